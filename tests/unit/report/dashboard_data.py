"""A small, complete dashboard dataset (the shape ``dashboard_data`` returns after JSON conversion).

Tweet texts and labels carry markup on purpose: the renderer must show them, never interpret them.
"""

from __future__ import annotations

import copy
from typing import Any, Dict

HOSTILE_TEXT = '<script>alert("x")</script><img src=x onerror="alert(1)"> ChatGPT & "Bing" <b>down</b>'
HOSTILE_HASHTAG = "<i>ai</i>"

_DATA: Dict[str, Any] = {
    "database": "chatgpt_tweets",
    "generated_at": "2024-05-01 12:00 UTC",
    "include_spam": False,
    "summary": {
        "tweets": 120,
        "spam_excluded": 7,
        "retweets": 40,
        "avg_sentiment": 0.12,
        "avg_engagement_rate": 0.0231,
        "tweets_with_impressions": 120,
        "engagements": 950,
        "authors": 60,
        "first_date": "2024-04-01",
        "last_date": "2024-04-04",
        "unknown_device": 30,
        "unknown_location": 12,
        "positive": 40,
        "neutral": 50,
        "negative": 25,
        "unscored": 5,
        "net_sentiment": 15 / 65,
        "days": 4,
    },
    "sentiment_bands": [
        {"band": "very_negative", "name": "Very negative", "label": "negative", "tweets": 10},
        {"band": "negative", "name": "Negative", "label": "negative", "tweets": 15},
        {"band": "neutral", "name": "Neutral", "label": "neutral", "tweets": 50},
        {"band": "positive", "name": "Positive", "label": "positive", "tweets": 25},
        {"band": "very_positive", "name": "Very positive", "label": "positive", "tweets": 15},
        {"band": "unscored", "name": "Unscored", "label": "unscored", "tweets": 5},
    ],
    "sentiment_share": [
        {"label": "positive", "tweets": 40},
        {"label": "neutral", "tweets": 50},
        {"label": "negative", "tweets": 25},
        {"label": "unscored", "tweets": 5},
    ],
    "devices": [
        {"device": "unknown", "tweets": 30},
        {"device": "iPhone", "tweets": 60},
        {"device": "Web", "tweets": 30},
    ],
    "operating_systems": [
        {"os": "iOS", "tweets": 60},
        {"os": "unknown", "tweets": 30},
        {"os": "Web", "tweets": 30},
    ],
    "tweet_types": [
        {"tweet_type": "original", "tweets": 50},
        {"tweet_type": "retweet", "tweets": 40},
        {"tweet_type": "reply", "tweets": 20},
        {"tweet_type": "quote", "tweets": 10},
    ],
    "languages": [{"language_name": "English", "tweets": 100}, {"language_name": "Spanish", "tweets": 20}],
    "locations": [
        {"location_name": "Paris, France", "tweets": 30},
        {"location_name": "<Earth>", "tweets": 20},
    ],
    "countries": [{"country": "France", "tweets": 3}],
    "hours": [{"hour": hour, "tweets": 5} for hour in range(24)],
    "timeline": {
        "grain": "day",
        "buckets": [
            {
                "start": f"2024-04-0{day}",
                "label": f"Apr 0{day}",
                "tweets": 30,
                "retweets": 10,
                "sentiment_sum": 3.6,
                "scored": 29,
                "positive": 10,
                "neutral": 12,
                "negative": 7,
                "unscored": 1,
                "avg_sentiment": 0.12,
                "net_sentiment": 3 / 17,
            }
            for day in range(1, 5)
        ],
    },
    "feedback_timeline": {
        "grain": "day",
        "types": [
            {"type": "praise", "name": "Praise"},
            {"type": "complaint", "name": "Complaint"},
            {"type": "suggestion", "name": "Suggestion"},
        ],
        "buckets": [
            {
                "start": f"2024-04-0{day}",
                "label": f"Apr 0{day}",
                "praise": 10,
                "complaint": 12,
                "suggestion": 8,
            }
            for day in range(1, 5)
        ],
    },
    "top_hashtags": [
        {"hashtag": "chatgpt", "tweets": 80},
        {"hashtag": HOSTILE_HASHTAG, "tweets": 30},
        {"hashtag": "openai", "tweets": 20},
    ],
    "trending_hashtags": {
        "period_days": 2,
        "current": ["2024-04-03", "2024-04-04"],
        "previous": ["2024-04-01", "2024-04-02"],
        "items": [
            {"hashtag": "gpt4", "current": 9, "previous": 0, "growth": None},
            {"hashtag": "chatgpt", "current": 50, "previous": 30, "growth": 2 / 3},
            {"hashtag": "bard", "current": 2, "previous": 8, "growth": -0.75},
        ],
    },
    "aspects": [
        {
            "aspect": "availability",
            "aspect_name": "Availability",
            "sort_order": 7,
            "tweets": 30,
            "avg_sentiment": -0.3,
            "positive": 3,
            "neutral": 5,
            "negative": 22,
            "unscored": 0,
            "complaints": 20,
            "suggestions": 1,
            "praises": 0,
            "questions": 4,
            "net_sentiment": -19 / 25,
        },
        {
            "aspect": "coding",
            "aspect_name": "Coding",
            "sort_order": 1,
            "tweets": 40,
            "avg_sentiment": 0.4,
            "positive": 25,
            "neutral": 10,
            "negative": 5,
            "unscored": 0,
            "complaints": 4,
            "suggestions": 6,
            "praises": 20,
            "questions": 5,
            "net_sentiment": 20 / 30,
        },
    ],
    "top_feedback": [
        {
            "feedback_type": "complaint",
            "aspect": "availability",
            "aspect_name": "Availability",
            "feedback_rank": 1,
            "tweet_id": "1780000000000000001",
            "created_date": "2024-04-02",
            "text": HOSTILE_TEXT,
            "engagement_count": 55,
            "sentiment_score": -0.6,
        },
        {
            "feedback_type": "suggestion",
            "aspect": "coding",
            "aspect_name": "Coding",
            "feedback_rank": 1,
            "tweet_id": "1780000000000000002",
            "created_date": "2024-04-03",
            "text": "Please add a way to export chats & search them",
            "engagement_count": 12,
            "sentiment_score": 0.3,
        },
    ],
}


def make_data(**overrides: Any) -> Dict[str, Any]:
    """A deep copy of the dataset with top-level keys replaced."""
    data = copy.deepcopy(_DATA)
    data.update(overrides)
    return data


def empty_data() -> Dict[str, Any]:
    """What a warehouse with no (non-spam) tweets yields."""
    data = make_data()
    data["summary"].update(
        tweets=0,
        retweets=0,
        avg_sentiment=None,
        avg_engagement_rate=None,
        engagements=0,
        authors=0,
        first_date=None,
        last_date=None,
        net_sentiment=None,
        days=0,
        positive=0,
        neutral=0,
        negative=0,
        unscored=0,
    )
    for key in (
        "sentiment_bands",
        "devices",
        "operating_systems",
        "tweet_types",
        "languages",
        "locations",
        "countries",
        "top_hashtags",
        "aspects",
        "top_feedback",
    ):
        data[key] = []
    data["sentiment_share"] = [
        {"label": name, "tweets": 0} for name in ("positive", "neutral", "negative", "unscored")
    ]
    data["hours"] = [{"hour": hour, "tweets": 0} for hour in range(24)]
    data["timeline"] = {"grain": "day", "buckets": []}
    data["feedback_timeline"] = {"grain": "day", "buckets": [], "types": []}
    data["trending_hashtags"] = {"period_days": 0, "items": []}
    return data
