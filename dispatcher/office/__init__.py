"""The office: the roster of salespeople, the manager's controls over routing (status,
rotation, rules), the coordinator's hours, which office a request serves, and the
manager's screens for them."""
