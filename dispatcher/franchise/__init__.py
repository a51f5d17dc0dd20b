"""The franchise's view of its offices: each office with today's figures, and the way to
each office's dashboard and to the whole franchise's (dispatcher/dashboard/, ?office=all).
Read-only: the franchise role may use no route that changes anything (dispatcher.access)."""
