"""Database work in small modules of keyword-only functions that never commit:
the view or job that calls them owns the transaction."""
