"""Helpers the tests of several folders share (plain functions and constants, imported as
``tests.support.<name>``); fixtures of one folder live in that folder's ``conftest.py``."""
