"""nbgrader configuration: the repository is the course directory.

Exams are generated from ``assessments/`` into ``source/`` and ``release/`` by
``ppskit exam build``; the gradebook lives under ``gradebook/`` (git-ignored).
"""

import os

c = get_config()  # noqa: F821  (nbgrader injects get_config)

_root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = _root
c.CourseDirectory.course_id = "ppss"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_root, "gradebook", "nbgrader.db")
# Library warnings on stderr must not fail a test cell.
c.IgnorePattern.pattern = r".*(Warning|warn).*"
