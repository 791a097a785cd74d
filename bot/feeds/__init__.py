"""Feed plumbing: fetching RSS and Atom feeds over HTTP with conditional requests, and reading
their entries with feedparser. No crisis rules here: bot.flows.feeds decides what to poll,
when, and what the entries count for."""
