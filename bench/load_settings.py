"""Settings of `make bench-load` only: the product's settings, the bare baseline view beside the
product's URLs, and a submit rate limit no benchmark client reaches (every request comes from
127.0.0.1). Never used by the product itself."""

from formscore.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
# wrk sends thousands of submits from one address: the limit is still counted on every submit
# (the work stays in the path), it is only never reached.
FORMSCORE_RATE_LIMIT = 1_000_000_000
