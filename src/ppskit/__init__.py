"""ppskit: curriculum, exams and certification tracker for Parent Peer Support Specialists."""

__version__ = "0.1.0"
