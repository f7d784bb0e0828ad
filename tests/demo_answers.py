"""A complete, keen set of answers to the demo form, as a client would send them in JSON."""

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
