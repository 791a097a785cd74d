"""The HTTP side of HTTP mode: what stands between the socket and Bolt.

`gate` refuses what Slack never sends (unsigned, malformed or oversized requests) with a clear
status before Bolt parses anything; `worker` is the gunicorn worker that reads each request
whole before it gives it a thread, so slow clients cannot starve the acks.
"""
