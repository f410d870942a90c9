"""Words the sample generator builds tweets from: what people actually said about ChatGPT in 2022-23.

Texts are written the way the API returns them: ``&amp;``, ``&lt;`` and ``&gt;`` escaped.
"""

from __future__ import annotations

import random
import re
from typing import Dict, List, Optional, Tuple

SAMPLE_QUERY = '(chatgpt OR "chat gpt" OR #chatgpt) lang:en'

# Hashtags by popularity (a Zipf-like draw picks the first ones far more often).
HASHTAGS = [
    "ChatGPT",
    "AI",
    "OpenAI",
    "GPT3",
    "chatbot",
    "ArtificialIntelligence",
    "MachineLearning",
    "Python",
    "tech",
    "GPT4",
    "edtech",
    "coding",
    "programming",
    "startups",
    "marketing",
    "future",
    "Bing",
    "NLP",
    "DataScience",
    "jobs",
    "writing",
    "education",
    "crypto",
    "NFT",
    "productivity",
    "innovation",
]
_HASHTAG_WEIGHTS = [1.0 / (rank + 1) ** 1.1 for rank in range(len(HASHTAGS))]

TEMPLATES: List[Tuple[str, str]] = [
    ("en", "ChatGPT just wrote a whole Python script for me in seconds. This is a game changer 🤯"),
    ("en", "I asked ChatGPT to explain quantum computing like I'm 5 and it nailed it. Impressive!"),
    ("en", "ChatGPT is at capacity right now. Again. Third time today 😤"),
    ("en", "ChatGPT confidently told me a book exists that doesn't. It's hallucinating sources again."),
    ("en", "Is ChatGPT down for anyone else? Getting 'network error' on every prompt"),
    ("en", "Students are using ChatGPT to write their homework essays. Teachers, how are you handling this?"),
    ("en", "How do I get ChatGPT to remember context across sessions? Any tips?"),
    ("en", "OpenAI please add a way to export ChatGPT conversations &amp; search old chats!"),
    ("en", "Would pay for ChatGPT Plus if it was faster. $20/month is a lot for students though"),
    ("en", "ChatGPT Plus is worth every cent. Priority access &gt; waiting in the queue"),
    ("en", "Microsoft is putting ChatGPT into Bing. Google should be worried."),
    ("en", "ChatGPT gave me the wrong answer to a simple math problem 🤦 2+2 &lt; 5 apparently"),
    ("en", "Used ChatGPT to draft my cover letter and got the interview. Not sure how I feel about it"),
    ("en", "Will ChatGPT replace programmers? I spent the day debugging the code it wrote me."),
    ("en", "ChatGPT wrote me a poem about my cat and honestly it's better than anything I could write 😂"),
    ("en", "Feature request: let ChatGPT browse the web and cite its sources"),
    ("en", "The ChatGPT API pricing is out: $0.002 per 1k tokens. Cheap enough to build on."),
    (
        "en",
        "Worried about privacy: does ChatGPT store everything I type? Read the terms before pasting code.",
    ),
    ("en", "People jailbreak ChatGPT with DAN prompts and it says wild things. Safety is hard."),
    ("en", "ChatGPT is so slow today, answers take forever to load"),
    ("en", "My marketing team now drafts every newsletter with ChatGPT. Productivity up 3x"),
    ("en", "Why does ChatGPT refuse to answer some questions but happily makes things up for others?"),
    ("en", "🚀 FREE ChatGPT crypto giveaway! Follow + RT to win 1000 $DOGE 🚀 link in bio"),
    ("en", "BREAKING: ChatGPT reaches 100 million users in two months, fastest-growing app ever"),
    ("en", "ChatGPT helped me study for my exam. Explained every concept patiently. Love it ❤️"),
    ("en", "Honestly ChatGPT is overhyped. It's autocomplete with confidence."),
    ("en", "Can ChatGPT write SQL? Asked it for a query with window functions and it was perfect"),
    ("en", "Please OpenAI, give ChatGPT a dark mode and conversation folders"),
    ("es", "ChatGPT me ayudó a escribir mi tesis. Increíble herramienta 👏"),
    ("es", "¿Alguien más tiene problemas con ChatGPT hoy? No carga nada"),
    ("fr", "ChatGPT a répondu à toutes mes questions de code. Bluffant !"),
    ("de", "ChatGPT ist heute wieder überlastet. Sehr ärgerlich."),
    ("pt", "O ChatGPT escreveu meu relatório inteiro em dois minutos 😱"),
    ("ja", "ChatGPTすごい！プログラミングの質問に全部答えてくれた"),
    ("hi", "ChatGPT ने मेरा होमवर्क कर दिया 😅"),
]

LONG_POST_PARTS = [
    "I have been using ChatGPT every day for three weeks, so here is an honest review.",
    "For coding it is excellent: boilerplate, regexes, SQL and unit tests come out right most of the time.",
    "For facts it is dangerous: it invents citations, dates and quotes with total confidence.",
    "The 'at capacity' screen during US daytime is the biggest frustration; Plus should fix that.",
    "For writing it is a great first-draft machine, but everything sounds the same after a while.",
    "Teachers need a plan, because homework essays are now a prompt away.",
    "Overall: a game changer for people who check its work, a trap for people who don't.",
]

QUOTE_COMMENTS = ["This.", "Exactly my experience with ChatGPT", "lol same 😂", "Hard disagree.", "Wow 🤯"]
REPLY_TEXTS = [
    "did you try asking it to think step by step?",
    "same here, it's been down all morning",
    "this is why you always verify what ChatGPT says",
    "great thread, thanks for sharing!",
    "how much is Plus where you live?",
]

HANDLE_WORDS = ["ai", "dev", "data", "nerd", "code", "tech", "learn", "prompt", "cloud", "bot", "maker", "ml"]
USER_LOCATIONS = [
    "San Francisco, CA",
    "London, England",
    "India",
    "Berlin",
    "New York",
    "Toronto, Ontario",
    "Lagos, Nigeria",
    "São Paulo, Brasil",
    "Tokyo",
    "Sydney, Australia",
    "🌍",
    "",
    "",
    "",
    "Earth",
    "Paris, France",
]
BIOS = [
    "Software engineer. Views my own.",
    "PhD student in NLP",
    "Marketing | Growth | AI tools",
    "Teacher &amp; lifelong learner",
    "Building things with LLMs",
    "",
    "crypto 🚀 NFTs 💎 DM for promo",
]
SOURCES = [
    "Twitter for iPhone",
    "Twitter for Android",
    "Twitter Web App",
    "Twitter for iPad",
    "TweetDeck",
    "Twitter for Mac",
    "Buffer",
    "Hootsuite Inc.",
    "IFTTT",
    "dlvr.it",
]
PLACES = [
    {
        "id": "5a110d312052166f",
        "full_name": "San Francisco, CA",
        "name": "San Francisco",
        "country": "United States",
        "country_code": "US",
        "place_type": "city",
    },
    {
        "id": "457b4814b4240d87",
        "full_name": "London, England",
        "name": "London",
        "country": "United Kingdom",
        "country_code": "GB",
        "place_type": "city",
    },
    {
        "id": "317fcc4b21a604d5",
        "full_name": "New Delhi, India",
        "name": "New Delhi",
        "country": "India",
        "country_code": "IN",
        "place_type": "city",
    },
    {
        "id": "3078869807f9dd36",
        "full_name": "Berlin, Deutschland",
        "name": "Berlin",
        "country": "Deutschland",
        "country_code": "DE",
        "place_type": "city",
    },
    {
        "id": "68e019afec7d0ba5",
        "full_name": "São Paulo, Brasil",
        "name": "São Paulo",
        "country": "Brasil",
        "country_code": "BR",
        "place_type": "city",
    },
]

_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")
_MENTION = re.compile(r"(?<!\w)@(\w{1,15})")
_URL = re.compile(r"https?://\S+")


def hashtags(rng: random.Random, most: int = 3) -> List[str]:
    count = rng.choices([0, 1, 2, 3, most + 5], weights=[30, 35, 20, 13, 2], k=1)[0]
    return list(dict.fromkeys(rng.choices(HASHTAGS, weights=_HASHTAG_WEIGHTS, k=count)))


def original_text(rng: random.Random) -> Tuple[str, str]:
    lang, text = rng.choice(TEMPLATES)
    tags = " ".join(f"#{tag}" for tag in hashtags(rng))
    if rng.random() < 0.15:
        text = f"{text} https://t.co/{rng.randrange(16**10):010x}"
    if rng.random() < 0.1:
        text = f"@OpenAI {text}"
    return (f"{text} {tags}".strip(), lang)


def long_post(rng: random.Random) -> Tuple[str, str]:
    parts = LONG_POST_PARTS[:]
    rng.shuffle(parts)
    return (" ".join(parts) + " #ChatGPT #AI", "en")


def quote_comment(rng: random.Random) -> str:
    return rng.choice(QUOTE_COMMENTS)


def reply_text(rng: random.Random) -> str:
    return rng.choice(REPLY_TEXTS)


def entities_of(text: str) -> Optional[Dict[str, List[Dict]]]:
    """Entities with character offsets, as the API computes them for ``text``."""
    found: Dict[str, List[Dict]] = {}
    tags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in _HASHTAG.finditer(text)]
    mentions = [{"start": m.start(), "end": m.end(), "username": m.group(1)} for m in _MENTION.finditer(text)]
    urls = [
        {"start": m.start(), "end": m.end(), "url": m.group(0), "expanded_url": _expand(m.group(0))}
        for m in _URL.finditer(text)
    ]
    for key, value in (("hashtags", tags), ("mentions", mentions), ("urls", urls)):
        if value:
            found[key] = value
    return found or None


def _expand(short_url: str) -> str:
    return f"https://example.com/article/{short_url.rsplit('/', 1)[-1]}"


# Context annotations X attaches to tweets about ChatGPT (domain, entity), in the API's shape.
CONTEXT_ANNOTATIONS = [
    (
        {
            "id": "46",
            "name": "Business Taxonomy",
            "description": "Categories within Brand Verticals that narrow down the scope of Brands",
        },
        {
            "id": "1557697333571112960",
            "name": "Technology Business",
            "description": "Brands, companies, advertisers and every non-person handle with the profit intent related to softwares, apps, communication equipments, hardwares",
        },
    ),
    (
        {
            "id": "66",
            "name": "Interests and Hobbies Category",
            "description": "A grouping of interests and hobbies entities, like Novelty Food or Destinations",
        },
        {"id": "848920371311001600", "name": "Technology", "description": "Technology and computing"},
    ),
    (
        {
            "id": "66",
            "name": "Interests and Hobbies Category",
            "description": "A grouping of interests and hobbies entities, like Novelty Food or Destinations",
        },
        {"id": "898661583827615744", "name": "Data science", "description": "Data science"},
    ),
    (
        {"id": "131", "name": "Unified Twitter Taxonomy", "description": "A taxonomy of user interests. "},
        {
            "id": "1286021913282744321",
            "name": "Artificial intelligence",
            "description": "Artificial intelligence",
        },
    ),
    (
        {"id": "131", "name": "Unified Twitter Taxonomy", "description": "A taxonomy of user interests. "},
        {"id": "1598286994236706816", "name": "ChatGPT", "description": "ChatGPT, the chatbot by OpenAI"},
    ),
    (
        {"id": "47", "name": "Brand", "description": "Brands and Companies"},
        {"id": "1441085637290115074", "name": "OpenAI", "description": "OpenAI"},
    ),
]


def context_annotations(rng: random.Random) -> List[Dict]:
    chosen = rng.sample(CONTEXT_ANNOTATIONS, k=rng.randint(2, len(CONTEXT_ANNOTATIONS)))
    return [{"domain": domain, "entity": entity} for domain, entity in chosen]
