"""Text rules for the citizen's language, shared by the kiosk and the console. Pure: no Qt, no I/O.

- `korean`: Korean particles chosen by the final consonant of the word before them;
- `readings`: ruby (furigana) for やさしい日本語, from a morphological analyser, with a city's own
  readings first;
- `romaji`: a Japanese name's kana reading romanised, for en, ko and vi citizens;
- `plain_japanese`: what makes a staff message hard for a やさしい日本語 reader;
- `scripts`: which writing system a text is in, to keep a sentence in one language.

docs/languages.md holds the rules and each language's style note.
"""
