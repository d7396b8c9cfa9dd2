"""The words of the synthetic org: names, titles, subjects, reasons.

As in a real org, seniority and intent have to be readable from the words
(a title says VP, a subject says renewal), so they are the usual ones.
"""

from __future__ import annotations

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Sandra", "Mark",
    "Ashley", "Paul", "Emily", "Steven", "Michelle", "Andrew", "Laura", "Kevin", "Amanda",
    "Sofia", "Lucas", "Emma", "Mateo", "Chloe", "Hugo", "Lea", "Jonas", "Anna", "Luca", "Giulia",
    "Pierre", "Camille", "Lars", "Ingrid", "Hiroshi", "Yuki", "Wei", "Mei", "Priya", "Arjun",
    "Fatima", "Omar", "Ana", "Joao", "Sven", "Aisha", "Noah", "Olivia", "Elena", "Marco",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee",
    "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright",
    "Scott", "Green", "Baker", "Adams", "Nelson", "Mueller", "Schmidt", "Schneider", "Fischer",
    "Dubois", "Laurent", "Bernard", "Rossi", "Bianchi", "Ferrari", "Jansen", "de Vries",
    "Johansson", "Nielsen", "Tanaka", "Suzuki", "Chen", "Wang", "Patel", "Sharma", "Khan",
    "Silva", "Santos", "Kowalski", "Novak", "O'Brien", "Murphy", "Lopez", "Fernandez",
)  # fmt: skip
COMPANY_WORDS = (
    "Northwind", "Bluewater", "Silverline", "Redwood", "Ironbridge", "Summit", "Evergreen",
    "Brightpath", "Cedar", "Harbor", "Granite", "Maple", "Falcon", "Orion", "Atlas", "Pioneer",
    "Keystone", "Crescent", "Lakeside", "Riverbend", "Sterling", "Vertex", "Horizon", "Beacon",
    "Copperfield", "Oakridge", "Westbrook", "Eastgate", "Highland", "Meadow", "Stonegate",
    "Sunrise", "Clearwater", "Ashford", "Blackstone", "Greenfield", "Kingsley", "Larkspur",
    "Norbridge", "Pinecrest", "Quarry", "Rosewood", "Saltmarsh", "Thornbury", "Valemont",
    "Willowby", "Zephyr", "Alder", "Bramble", "Corvus", "Driftwood", "Emberly", "Foxglove",
)  # fmt: skip
COMPANY_NOUNS = (
    "Logistics", "Foods", "Manufacturing", "Health", "Energy", "Systems", "Analytics",
    "Textiles", "Motors", "Pharma", "Retail", "Builders", "Labs", "Dynamics", "Networks",
    "Instruments", "Chemicals", "Farms", "Media", "Capital", "Engineering", "Robotics",
    "Packaging", "Plastics", "Metals", "Furniture", "Apparel", "Electronics", "Software",
    "Utilities", "Freight", "Hospitality",
)  # fmt: skip
COMPANY_SUFFIXES = ("Inc.", "Ltd", "GmbH", "SA", "LLC", "Group", "Corp.", "BV", "AG", "Co.")
CITIES = (
    ("New York", "United States"), ("Chicago", "United States"), ("Austin", "United States"),
    ("Seattle", "United States"), ("Boston", "United States"), ("Atlanta", "United States"),
    ("Denver", "United States"), ("Toronto", "Canada"), ("Montreal", "Canada"),
    ("London", "United Kingdom"), ("Manchester", "United Kingdom"), ("Paris", "France"),
    ("Lyon", "France"), ("Berlin", "Germany"), ("Munich", "Germany"), ("Hamburg", "Germany"),
    ("Amsterdam", "Netherlands"), ("Rotterdam", "Netherlands"), ("Madrid", "Spain"),
    ("Barcelona", "Spain"), ("Milan", "Italy"), ("Zurich", "Switzerland"),
    ("Stockholm", "Sweden"), ("Copenhagen", "Denmark"), ("Dublin", "Ireland"),
    ("Brussels", "Belgium"), ("Vienna", "Austria"), ("Warsaw", "Poland"), ("Lisbon", "Portugal"),
    ("Sydney", "Australia"), ("Singapore", "Singapore"), ("Tokyo", "Japan"),
    ("Sao Paulo", "Brazil"), ("Mexico City", "Mexico"),
)  # fmt: skip
INDUSTRIES = (
    "Agriculture", "Banking", "Chemicals", "Communications", "Construction", "Education",
    "Electronics", "Energy", "Engineering", "Finance", "Healthcare", "Insurance",
    "Manufacturing", "Media", "Retail", "Technology", "Transportation", "Utilities", "Other",
)  # fmt: skip

# Contact titles by seniority level, with their department. Seniority has to be
# parseable from the title, as in a real org, so the titles are the usual ones.
TITLES: dict[str, tuple[tuple[str, str], ...]] = {
    "exec": (
        ("Chief Executive Officer", "Executive"), ("Chief Financial Officer", "Finance"),
        ("Chief Operating Officer", "Operations"), ("Chief Technology Officer", "IT"),
        ("Chief Procurement Officer", "Procurement"), ("Chief Information Officer", "IT"),
        ("President", "Executive"), ("Managing Director", "Executive"), ("CFO", "Finance"),
        ("COO", "Operations"),
    ),
    "vp": (
        ("VP of Operations", "Operations"), ("VP of Finance", "Finance"),
        ("VP of Engineering", "Engineering"), ("VP of Supply Chain", "Operations"),
        ("Vice President, Procurement", "Procurement"), ("SVP Sales", "Sales"),
        ("VP IT", "IT"), ("Senior Vice President, Operations", "Operations"),
    ),
    "director": (
        ("Director of Procurement", "Procurement"), ("Director of IT", "IT"),
        ("Head of Supply Chain", "Operations"), ("Finance Director", "Finance"),
        ("Director, Engineering", "Engineering"), ("Head of Facilities", "Operations"),
        ("Plant Director", "Operations"),
    ),
    "manager": (
        ("Procurement Manager", "Procurement"), ("Operations Manager", "Operations"),
        ("IT Manager", "IT"), ("Purchasing Manager", "Procurement"),
        ("Project Manager", "Operations"), ("Facilities Manager", "Operations"),
        ("Category Manager", "Procurement"), ("Engineering Manager", "Engineering"),
        ("Finance Manager", "Finance"),
    ),
    "staff": (
        ("Analyst", "Finance"), ("Buyer", "Procurement"), ("Senior Buyer", "Procurement"),
        ("Procurement Specialist", "Procurement"), ("Engineer", "Engineering"),
        ("Operations Coordinator", "Operations"), ("System Administrator", "IT"),
        ("Accounts Payable Clerk", "Finance"), ("Data Analyst", "IT"), ("Technician", "Operations"),
    ),
}  # fmt: skip
JUNIOR_LEVELS = (("director", 0.25), ("manager", 0.4), ("staff", 0.35))

COMPETITORS = (
    "Vantage Supply", "Cobalt Systems", "Northstar Solutions", "Meridian Group",
    "Apex Industrial", "BlueRiver Partners", "Quantum Source", "Helix Corp", "Pinnacle Direct",
    "Trident Works",
)  # fmt: skip
COMPETITOR_STRENGTHS = (
    "Lower price", "Bundled discounts", "Faster delivery", "Local presence",
    "Broader catalogue", "Incumbent relationship",
)  # fmt: skip
COMPETITOR_WEAKNESSES = (
    "Weak support", "Long lead times", "Limited customisation", "Poor references",
    "Inflexible contract terms",
)  # fmt: skip

DEAL_LABELS: dict[str, tuple[str, ...]] = {
    "New Business": ("Initial order", "First project", "Pilot rollout", "Starter package"),
    "Existing Business": ("Reorder", "Replenishment", "Additional units", "Spare parts",
                          "Site extension", "Quarterly order"),
    "Upsell": ("Expansion", "Premium tier upgrade", "New site rollout", "Add-on services"),
    "Renewal": ("Contract renewal", "Annual renewal", "Renewal"),
    "promo": ("Spring promotion", "Year-end discount", "Bundle offer", "Clearance deal",
              "Promo pricing", "Volume discount"),
    "contract": ("Master supply agreement", "Framework agreement", "Multi-year contract",
                 "Preferred supplier agreement"),
}  # fmt: skip
OPEN_STAGES = (
    ("Prospecting", 10.0),
    ("Qualification", 20.0),
    ("Needs Analysis", 40.0),
    ("Proposal/Price Quote", 75.0),
    ("Negotiation/Review", 90.0),
)
STAGE_PROBABILITY = dict(OPEN_STAGES) | {"Closed Won": 100.0, "Closed Lost": 0.0}
LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Event", "Other")

# Case type -> reasons that go with it.
CASE_KINDS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("Problem", ("Performance", "Breakdown", "Equipment Design", "Equipment Complexity"), 0.35),
    ("Question", ("Equipment Complexity", "Other"), 0.25),
    ("Installation", ("Installation",), 0.1),
    ("Billing", ("Billing Error",), 0.12),
    ("Feature Request", ("Feedback",), 0.1),
    ("Other", ("Other",), 0.08),
)
CASE_SUBJECTS = {
    "Performance": "System running slower than expected",
    "Breakdown": "Unit stopped working",
    "Equipment Design": "Design issue on delivered equipment",
    "Equipment Complexity": "Need help configuring equipment",
    "Other": "General question",
    "Installation": "Installation support needed",
    "Billing Error": "Invoice amount incorrect",
    "Feedback": "Suggestion for product improvement",
    "Late Delivery": "Order not delivered on time",
}

INBOUND_EMAIL_SUBJECTS = (
    "Question about our last order", "Re: Proposal", "Request for quote", "Invoice query",
    "Can we schedule a call?", "Re: Delivery schedule", "New requirement for next quarter",
    "Re: Checking in",
)  # fmt: skip
OUTBOUND_EMAIL_SUBJECTS = (
    "Following up", "Proposal attached", "Checking in", "New product line", "Your quote",
    "Meeting recap", "Pricing update", "Invitation: customer webinar",
)  # fmt: skip
OUTBOUND_CALLS = ("Call: check-in", "Call: follow-up on quote", "Call: reorder reminder", "Call")
INBOUND_CALLS = (
    "Inbound call: order question", "Inbound call: pricing request",
    "Inbound call: delivery status", "Inbound call",
)  # fmt: skip
EMAIL_TASKS = ("Email: follow-up", "Email: quote sent", "Email: product update", "Email: recap")
TODO_TASKS = ("Send pricing", "Prepare proposal", "Update account plan", "Send samples")
EVENT_SUBJECTS = {
    "Meeting": ("Account review", "Planning meeting", "Site visit", "Lunch meeting"),
    "Call": ("Catch-up call", "Status call"),
    "Demo": ("Product demo", "Solution walkthrough"),
    "Onboarding": ("Onboarding kickoff", "Implementation kickoff"),
    "Quarterly Business Review": ("Quarterly business review",),
    "Training": ("User training", "Admin training"),
    "Other": ("Trade show meeting", "Dinner"),
}
SURVEY_TOUCHPOINTS = (
    ("feedback", 0.3),
    ("product", 0.2),
    ("service", 0.2),
    ("delivery", 0.15),
    ("sales", 0.1),
    ("implementation", 0.05),
)
SURVEY_COMMENTS = {
    "promoter": (
        "Great partnership, very responsive team.", "Reliable as always.",
        "Our account manager knows our business.", "Quick support when we need it.",
    ),
    "passive": (
        "Fine overall, delivery could be faster.", "Good product, pricing is high.",
        "OK, nothing special.", "Support is slow at times.",
    ),
    "detractor": (
        "Deliveries keep slipping and support is slow.", "We are evaluating other vendors.",
        "Too many unresolved issues.", "Not the value we were promised.",
    ),
}  # fmt: skip
