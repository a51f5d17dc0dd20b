"""RQ jobs: send a page, check the acknowledgement when the deadline passes, sweep.

Jobs take ids, never objects, and are safe to run twice: the page row decides.
"""
