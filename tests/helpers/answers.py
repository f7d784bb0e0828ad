"""Answers the tests send, named for who sends them and how."""

# The demo form filled in on the page: what a browser posts (a ticked consent box is "on").
GOOD_ANSWERS = {
    "work_email": "ada@lovelace.example",
    "full_name": "Ada Lovelace",
    "company": "Analytical Engines",
    "company_size": "51_200",
    "timeline": "within_1_month",
    "budget": "20k_50k",
    "industry": "saas",
    "role": "vp_head",
    "country": "uk",
    "consent": "on",
}

# A complete, keen set of answers to the demo form, as a client would send them in JSON.
KEEN_DEMO_ANSWERS = {
    "work_email": "dana@northwind.example",
    "full_name": "Dana Buyer",
    "company": "Northwind",
    "company_size": "201_1000",
    "timeline": "within_1_month",
    "industry": "saas",
    "role": "founder_ceo",
    "country": "us",
    "consent": True,
}

# Answers to the `contact_form` fixture of tests/sales/.
CONTACT_ANSWERS = {
    "full_name": "Grace Hopper",
    "company": "Navy",
    "team_size": 40,
    "timeline": "later",
}
