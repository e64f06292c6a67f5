"""Columnar numpy views of coded timelines (:mod:`.columns`) and stacks of lessons sampled on one
grid (:mod:`.stacks`): what metric plugins compute on."""
