//! Quotes (straight or curly marks) and reported speech ("X said that …", "according to X"),
//! each with its speaker: the name next to the attribution verb, a pronoun for the person
//! named last, or a role ("the governor said") for the person who holds it.
use std::sync::LazyLock;

use regex::Regex;

use super::names::{Entity, Kind};

pub struct Said {
    /// Byte range of the statement's words in the body.
    pub span: (usize, usize),
    pub quote: bool,
    /// Index into the entities.
    pub speaker: Option<usize>,
    /// The statement disputes an earlier one ("denied", "dismissed these claims").
    pub disputes: bool,
}

static QUOTE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"["“]([^"“”]{2,}?)["”]"#).ok());
static VERB: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\b(said|says|told|added|wrote|stated|stating|insisted|warned|explained|noted|declared|according to|reported|announced|denied|dismissed|rejected|mentioned|emphasized|emphasised|stressed|asserted|claimed|argued|remarked|commented|acknowledged|admitted|indicated|criticized|criticised|countered|contested|referred|released (?:a |an )?(?:video|statement|footage|report))\b").ok()
});

const PRONOUNS: &[&str] = &["he", "she"];

/// The entity mentioned at or overlapping `[s, e)`, of the kinds that can speak.
fn mentioned_in(entities: &[Entity], s: usize, e: usize) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for (i, ent) in entities.iter().enumerate() {
        if ent.kind == Kind::Place {
            continue;
        }
        for (ms, me) in &ent.mentions {
            if *ms >= s && *me <= e && best.is_none_or(|(_, b)| *ms < b) {
                best = Some((i, *ms));
            }
        }
    }
    best
}

/// The person mentioned last before `pos`.
fn last_person_before(entities: &[Entity], pos: usize) -> Option<usize> {
    entities
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == Kind::Person)
        .filter_map(|(i, e)| {
            e.mentions
                .iter()
                .filter(|(s, _)| *s < pos)
                .map(|(s, _)| *s)
                .max()
                .map(|s| (i, s))
        })
        .max_by_key(|(_, s)| *s)
        .map(|(i, _)| i)
}

/// The person whose role is named in `words` ("the regional governor").
fn by_role(entities: &[Entity], words: &str) -> Option<usize> {
    let w = words.to_lowercase();
    entities.iter().position(|e| {
        e.kind == Kind::Person
            && e.role.as_ref().is_some_and(|r| {
                r.to_lowercase()
                    .split_whitespace()
                    .last()
                    .is_some_and(|last| w.contains(last))
            })
    })
}

/// The speaker named in the attribution `clause` (text around the verb) at `offset`.
fn speaker_in(entities: &[Entity], offset: usize, clause: &str) -> Option<usize> {
    if let Some((i, _)) = mentioned_in(entities, offset, offset + clause.len()) {
        return Some(i);
    }
    let lower = clause.to_lowercase();
    if lower
        .split(|c: char| !c.is_alphabetic())
        .any(|w| PRONOUNS.contains(&w))
    {
        return last_person_before(entities, offset);
    }
    if lower.contains("the ")
        && let Some(i) = by_role(entities, &lower)
    {
        return Some(i);
    }
    // A country as the subject ("Ukraine dismissed these claims") speaks through the
    // organization of that country the text has named ("Ukraine's military").
    entities
        .iter()
        .filter(|e| e.kind == Kind::Place)
        .filter(|e| {
            e.mentions
                .iter()
                .any(|(s, _)| *s >= offset && *s < offset + clause.len())
        })
        .find_map(|place| {
            let p = crate::domain::names::normalize(&place.name);
            entities.iter().position(|e| {
                e.kind == Kind::Organization
                    && crate::domain::names::normalize(&e.name).starts_with(&p)
                    && e.mentions.iter().any(|(s, _)| *s < offset)
            })
        })
}

fn sentence_bounds(body: &str, pos: usize) -> (usize, usize) {
    let start = body[..pos].rfind(['\n']).map(|i| i + 1).unwrap_or(0).max(
        body[..pos]
            .match_indices(". ")
            .last()
            .map(|(i, _)| i + 2)
            .unwrap_or(0),
    );
    let end = body[pos..]
        .find(['\n'])
        .map(|i| pos + i)
        .unwrap_or(body.len());
    (start, end)
}

pub fn find(body: &str, entities: &[Entity]) -> Vec<Said> {
    let (Some(quote_re), Some(verb_re)) = (QUOTE.as_ref(), VERB.as_ref()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut quoted: Vec<(usize, usize)> = Vec::new();
    let mut last_speaker: Option<usize> = None;
    for c in quote_re.captures_iter(body) {
        let (Some(whole), Some(inner)) = (c.get(0), c.get(1)) else {
            continue;
        };
        quoted.push((whole.start(), whole.end()));
        let words = inner.as_str().split_whitespace().count();
        if words < 2 {
            continue;
        }
        let text = inner.as_str().trim_end_matches([',', ' ']);
        let span = (inner.start(), inner.start() + text.len());
        // After the quote: `," said X` / `," X said` up to the sentence's end.
        let (_, sentence_end) = sentence_bounds(body, whole.end());
        let after_end = sentence_end.min(whole.end() + 120);
        let after = &body[whole.end()..after_end];
        let after_cut = after.find(['.', '"', '“']).map_or(after, |i| &after[..i]);
        let mut speaker = None;
        if verb_re.is_match(after_cut) {
            speaker = speaker_in(entities, whole.end(), after_cut);
        }
        if speaker.is_none() {
            // Before the quote in its sentence: `X said: "…"`, `X told reporters, "…"`.
            let (sentence_start, _) = sentence_bounds(body, whole.start());
            let before = &body[sentence_start..whole.start()];
            if verb_re.is_match(before) {
                speaker = speaker_in(entities, sentence_start, before);
            }
        }
        // A quote continued in the next paragraph, or a split quote, keeps its speaker.
        if speaker.is_none() && after_cut.trim().is_empty() {
            speaker = last_speaker;
        }
        if speaker.is_some() {
            last_speaker = speaker;
        }
        // Short quotes with nobody saying them are scare quotes ("military infrastructure").
        if words < 4 && speaker.is_none() {
            continue;
        }
        out.push(Said {
            span,
            quote: true,
            speaker,
            disputes: false,
        });
    }
    // Reported speech: sentences with an attribution verb and no quote.
    let mut pos = 0;
    for line in body.split_inclusive('\n') {
        let mut s_start = pos;
        for sentence in line.split_inclusive(". ") {
            let s_end = s_start + sentence.len();
            let inside_quote = quoted.iter().any(|(qs, qe)| *qs < s_end && *qe > s_start);
            if !inside_quote && let Some(m) = verb_re.find(sentence) {
                let mut trimmed = sentence.trim_end_matches(['\n', ' ']);
                let mut s_start = s_start;
                // The dateline ("PORTO ALEGRE, Brazil (Newswire) — ") is not what was said.
                if s_start == 0
                    && let Some(i) = trimmed.find("— ").filter(|i| *i < 80)
                {
                    s_start += i + "— ".len();
                    trimmed = &trimmed[i + "— ".len()..];
                }
                let speaker = speaker_in(entities, s_start, trimmed);
                let verb = m.as_str();
                if speaker.is_some() {
                    out.push(Said {
                        span: (s_start, s_start + trimmed.len()),
                        quote: false,
                        speaker,
                        disputes: ["denied", "dismissed", "rejected", "contested", "countered"]
                            .contains(&verb)
                            || trimmed.contains("countering"),
                    });
                }
            }
            s_start = s_end;
        }
        pos += line.len();
    }
    out.sort_by_key(|s| s.span.0);
    out
}
