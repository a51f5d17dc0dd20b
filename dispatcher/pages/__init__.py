"""Pages: an SMS page's life after it is queued (acknowledged, declined, missed and
reassigned, delivered or not) and the salesperson's own page. The page row is the
truth; one conditional UPDATE moves it out of `open`."""
