# Settings live in base.py (everything from the environment); test.py adjusts for the test run.
