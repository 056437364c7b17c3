# ruff: noqa: RUF001  # full-width CJK punctuation is meant
"""やさしい日本語 (easy Japanese), after the 出入国在留管理庁・文化庁 2020 guideline.

The rules, checked mechanically by tests/kiosk/test_catalogs.py where they can be:
- ふりがな on every kanji, as ``漢字《かんじ》``; few kanji (at most 13 in a sentence);
- short sentences with one idea each, and spaces between phrases (分かち書き);
- です/ます; no 尊敬語 or 謙譲語; no カタカナ loanwords (no katakana at all); no double negatives;
- plain, concrete words, saying what happens next.

Counters whose reading depends on the number (5分《ふん》 but 10分《ぷん》, 1日《ついたち》)
are read by `minutes` and `day` below rather than by one fixed string.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, str]] = {
    "chrome.large_text": "字《じ》を 大《おお》きく",
    "chrome.high_contrast": "くっきり 見《み》せる",
    "chrome.back": "もどる",
    "chrome.cancel": "やめる",
    "attract.heading": "市《し》の 係《かかり》の 人《ひと》と がめんで 話《はな》せます",
    "attract.touch": "がめんを さわって ください",
    "attract.start": "はじめる",
    "attract.open_now": "いま そうだん できる ところ",
    "attract.open_until": "{time}まで",
    "attract.none_open": "いまは やすみの 時間《じかん》です",
    "attract.date": "{date}（{weekday}）",
    "attract.staffed_none": "いまは 係《かかり》の 人《ひと》が いません",
    "attract.unstaffed": "いま 係《かかり》の 人《ひと》が いない ところ",
    "attract.start_in": "やさしい にほんごで はじめる",
    "language.title": "ことばを えらんで ください",
    "topic.title": "なにを そうだん しますか？",
    "topic.closed": "いまは やすみ",
    "topic.closed_opens": "いまは やすみです。{when}から そうだん できます",
    "topic.page": "{page} / {pages}",  # on the page buttons beside the title
    "ready.title": "はなす まえに よんで ください",  # no ruby: the large title keeps to one line
    "privacy.no_recording": (
        "かおと こえは、そうだんの 間《あいだ》だけ 係《かかり》の 人《ひと》に とどきます。"
        "どこにも のこしません。"
    ),
    "privacy.nothing_kept": (
        "この きかいには なにも のこりません。おわると がめんは ぜんぶ きえます。"
    ),
    "privacy.what_is_kept": (
        "市《し》が のこすのは、いつ どこと 話《はな》したか だけです。"
        "係《かかり》の 人《ひと》が みじかく 書《か》くことも あります。"
    ),
    "device.camera_ok": "係《かかり》の 人《ひと》には こう 見《み》えます。",
    "device.camera_missing": "かおが うつりません。こえだけで そうだん できます。",
    "device.mic_ok": "話《はな》すと みどりの ぼうが のびます。",
    "device.mic_missing": (
        "こえが とどきません。がめんを さわって 係《かかり》の 人《ひと》に つたえられます。"
    ),
    "ready.call": "わかりました。係《かかり》の 人《ひと》を よぶ",  # agree, and call: one tap
    "ready.call_audio_only": "わかりました。こえだけで 話《はな》す",
    "waiting.title": "{department}の 係《かかり》の 人《ひと》を よんで います",
    "waiting.title_unnamed": "係《かかり》の 人《ひと》を よんで います",
    "waiting.requesting": "うけつけて います。すこし まって ください。",
    "waiting.position": "あなたは {position}番目《ばんめ》です",
    "waiting.position_next": "つぎが あなたの 番《ばん》です",
    "waiting.eta": "あと {minutes}ぐらい まちます",
    "waiting.eta_soon": "もうすぐ つながります",
    "waiting.nobody": (
        "いま {department}に 係《かかり》の 人《ひと》が いません。どれぐらい まつか わかりません。"
    ),
    "waiting.nobody_unnamed": (
        "いま 係《かかり》の 人《ひと》が いません。どれぐらい まつか わかりません。"
    ),
    "waiting.nobody_hint": "まつことも、やめることも できます。",
    "waiting.nobody_then": "係《かかり》の 人《ひと》が もどったら、じゅんばんに よびます。",
    "waiting.next_step": "つながると 係《かかり》の 人《ひと》の かおが 出《で》ます。",
    "waiting.reconnecting": "つながりが わるいです。いま なおして います。",
    "closed.title": "{department}は いま やすみです",
    "closed.title_unnamed": "えらんだ ところは いま やすみです",
    "closed.opens": "つぎは {when}から そうだん できます。",
    "closed.unknown": "しばらく そうだん できません。",
    "closed.ended": "きょうの うけつけは おわりました。",
    "closed.hint": "ほかの ことを えらぶことも できます。",
    "call.connecting": "つないで います…",
    "call.staff": "{department}　{name}",
    "call.staff_unnamed": "{name}",
    "call.you": "あなた",
    "call.speaking_staff": "話《はな》して います",  # a caption on the video: one line at 320 px
    "call.speaking_you": "話《はな》して います",  # under the self-view, labelled あなた
    "call.mute": "わたしの こえを とめる",
    "call.unmute": "わたしの こえを つたえる",
    "call.muted": "こえは きこえません",  # a caption on the video: one line at 320 px
    "call.volume_down": "音《おと》を小《ちい》さく",
    "call.volume_up": "音《おと》を大《おお》きく",
    "call.volume": "音《おと》の 大《おお》きさ {level}",
    "call.end": "そうだんを おわる",
    "call.phrase_sent": "「{phrase}」と つたえました",
    "call.staff_text": "係《かかり》の 人《ひと》からの 字《じ》",
    "call.in_japanese": "日本語《にほんご》：",  # before staff text in Japanese; never shown here
    "call.hitsudan": "筆談《ひつだん》の しるし：字《じ》を 書《か》いて 話《はな》せます",
    "pad.open": "字《じ》で 話《はな》す",
    "pad.close": "書《か》くのを おわる",
    "pad.clear": "ぜんぶ 消《け》す",
    "pad.hint": "ここに 指《ゆび》で 字《じ》を 書《か》いて ください。",
    "call.zoom_in": "大《おお》きく",
    "call.zoom_out": "小《ちい》さく",
    "call.zoom_reset": "ぜんぶ 見《み》る",
    "call.document": "係《かかり》の 人《ひと》が 見《み》せて いる 紙《かみ》（{page}/{pages}）",
    "call.screen_share": "係《かかり》の 人《ひと》が 見《み》せて いる がめん",
    "call.document_camera_on": "紙《かみ》を 見《み》せる",
    "call.document_camera_off": "見《み》せるのを やめる",
    "call.paper_guide": "紙《かみ》を この わくに 入《い》れて ください",
    "call.paper_send": "この 紙《かみ》を 送《おく》る",
    "call.paper_sending": "係《かかり》の 人《ひと》に 送《おく》って います",
    "call.paper_sent": "係《かかり》の 人《ひと》に 届《とど》きました",
    "call.paper_not_sent": "送《おく》れませんでした。もう 一度《いちど》 おして ください",
    "call.paper_what_sent": "送《おく》った 紙《かみ》",
    "call.peer_offline": (
        "係《かかり》の 人《ひと》との つながりが 切《き》れて います。すこし まって ください。"
    ),
    "call.reconnecting": "つながりを なおして います。",
    "phrase.cannot_hear": "きこえません",
    "phrase.say_again": "もう いちど いって ください",
    "phrase.slower": "ゆっくり 話《はな》して ください",
    "phrase.yes": "はい",
    "phrase.no": "いいえ",
    "confirm_end.title": "そうだんを おわりますか？",
    "confirm_end.yes": "はい、おわる",
    "confirm_end.no": "いいえ、つづける",
    "transfer.title": "{department}に つなぎます",
    "transfer.title_unnamed": "つぎの 係《かかり》の 人《ひと》に つなぎます",
    "transfer.body": (
        "あなたの 話《はなし》は 係《かかり》の 人《ひと》に つたえました。"
        "もう いちど 話《はな》す ひつようは ありません。"
    ),
    "transfer.position": "{department}で あなたは {position}番目《ばんめ》です",
    "transfer.position_unnamed": "つぎの ところで あなたは {position}番目《ばんめ》です",
    "transfer.position_next": "つぎが あなたの 番《ばん》です",
    "transfer.wait": "このまま まって ください。",
    "survey.title": "そうだんは どうでしたか？",
    "survey.hint": "あう かおを ひとつ さわって ください",
    "survey.score.5": "とても よかった",
    "survey.score.4": "よかった",
    "survey.score.3": "ふつう",
    "survey.score.2": "わるかった",
    "survey.score.1": "とても わるかった",
    "survey.skip": "こたえない",
    "thanks.title": "ありがとう ございました",
    "thanks.cleared": "がめんの ことは ぜんぶ けしました。",
    "thanks.cut_off": (
        "つながりが 切《き》れました。そうだんは おわりました。もう いちど はじめから よべます。"
    ),
    "thanks.finish": "おわる",
    "unavailable.title": "いまは つかえません",
    "unavailable.retrying": "いま なおして います。すこし まって ください。",
    "unavailable.disabled": "この きかいは いま やすみです。",
    "unavailable.error": "こまった ことが おきました。すぐに もどります。",
    "unavailable.help": "いそぐ 人《ひと》は この たてものの 人《ひと》に きいて ください。",
    "timeout.title": "じかんを のばしますか？",
    "timeout.countdown": "あと {seconds}びょうで はじめの がめんに もどります",
    "timeout.extend": "はい、のばす",
    "timeout.end": "いいえ、おわる",
    "still_waiting.title": "まだ まって いますか？",
    "still_waiting.countdown": "あと {seconds}びょう こたえが ないと、よぶのを やめます。",
    "still_waiting.yes": "はい、まちます",
    "still_waiting.no": "いいえ、やめます",
    "time.today": "きょう {time}",
    "time.tomorrow": "あした {time}",
    "time.weekday": "{weekday} {time}",
    "time.date": "{date} {time}",
    "time.month_day": "{month} {day}",
    "time.minutes": "{n}分《ふん》",
    "month.1": "1月《がつ》",
    "month.2": "2月《がつ》",
    "month.3": "3月《がつ》",
    "month.4": "4月《がつ》",
    "month.5": "5月《がつ》",
    "month.6": "6月《がつ》",
    "month.7": "7月《がつ》",
    "month.8": "8月《がつ》",
    "month.9": "9月《がつ》",
    "month.10": "10月《がつ》",
    "month.11": "11月《がつ》",
    "month.12": "12月《がつ》",
    "weekday.0": "月曜日《げつようび》",
    "weekday.1": "火曜日《かようび》",
    "weekday.2": "水曜日《すいようび》",
    "weekday.3": "木曜日《もくようび》",
    "weekday.4": "金曜日《きんようび》",
    "weekday.5": "土曜日《どようび》",
    "weekday.6": "日曜日《にちようび》",
    "admin.title": "かんりする 人《ひと》の ばんごう",
    "admin.wrong": "ばんごうが ちがいます",
    "admin.locked": "しばらく つかえません",
    "admin.exit": "おわる",
    "admin.clear": "けす",
}

_DAY_READINGS: Final = {
    1: "ついたち",
    2: "ふつか",
    3: "みっか",
    4: "よっか",
    5: "いつか",
    6: "むいか",
    7: "なのか",
    8: "ようか",
    9: "ここのか",
    10: "とおか",
    14: "じゅうよっか",
    20: "はつか",
    24: "にじゅうよっか",
}


def minutes(n: int) -> str:
    """``n`` minutes with the reading of 分 that the number takes (ふん or ぷん)."""
    return f"{n}分《{'ふん' if n % 10 in (2, 5, 7, 9) else 'ぷん'}》"


def day(n: int) -> str:
    """The ``n``-th day of a month with its reading: 1日《ついたち》, 12日《にち》."""
    return f"{n}日《{_DAY_READINGS.get(n, 'にち')}》"
