"""Third-party code shipped inside lessonlens; see ``README.md`` here for what, why and under which licence."""
