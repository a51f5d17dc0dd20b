"""Leads: logging a call or walk-in, routing it to a salesperson, the coordinator's
console. `service` and its neighbours change rows and never commit; `transactions`
commits and only then queues the page, for the console, the API and the webhooks."""
