"""Real user agents: who counts as a reader (newsroom.readers) and who does not.

Every test that asks a page as a reader's browser, or as a crawler, takes its user agent from
here, so the reader rule's own tests and the counting tests speak of the same visitors.
"""

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)

# Request headers of a reader's browser, for `client.get(url, **BROWSER)`.
BROWSER = {"HTTP_USER_AGENT": CHROME}

NOT_READERS = {
    "Googlebot": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Googlebot smartphone": (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, "
        "like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; "
        "+http://www.google.com/bot.html)"
    ),
    "Naver Yeti": "Mozilla/5.0 (compatible; Yeti/1.1; +https://naver.me/spd)",
    "Daum Daumoa": ("Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0; Daumoa/4.0)"),
    "Daum crawler": (
        "Mozilla/5.0 (compatible; Daum/4.1; +http://cs.daum.net/faq/15/4118.html?faqId=28966)"
    ),
    "Bingbot": (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
        "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36"
    ),
    "facebookexternalhit": (
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
    ),
    "KakaoTalk link preview": (
        "Mozilla/5.0 (compatible; kakaotalk-scrap/1.0; +https://devtalk.kakao.com/t/scrap/33984)"
    ),
    "Slack link preview": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Lighthouse": (
        "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse"
    ),
    "curl": "curl/8.5.0",
    "python-requests": "python-requests/2.32.3",
    "empty": "",
}

READERS = {
    "Chrome on Windows": CHROME,
    "Safari on iPhone": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
    ),
    "Samsung Internet": (
        "Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"
    ),
    "Naver Whale": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Whale/4.29.282.14 Safari/537.36"
    ),
    "KakaoTalk in-app browser": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Mobile/15E148 KAKAOTALK 10.9.5"
    ),
    "Naver app in-app browser": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Mobile/15E148 NAVER(inapp; search; 2000; 12.11.5; 15PRO)"
    ),
    "Daum app in-app browser": (
        "Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36 DaumApps/7.5.3"
    ),
}
