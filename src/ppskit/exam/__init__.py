"""Certification exams with nbgrader: item bank, build, grade, results, retakes,
feedback and item analysis (see ``docs/exams.md``).

Submodules import nbgrader only inside the functions that need it.
"""
