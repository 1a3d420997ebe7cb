//! The rule-based extractor: names, statements and figures found by `names`, `quotes` and
//! `casualties`, assembled into one draft document whose refs point at each other.
use chrono::{Datelike, NaiveDate, Weekday};

use super::names::{self, Entity, Kind};
use super::{
    Draft, ExtractError, Extractor, Finding, FindingKind, Input, casualties, prepare, quotes,
};
use crate::entities::enums::{LocationKind, StatementKind};
use crate::services::ingest::{
    ArticleDocument, CasualtyInput, LocationInput, OrganizationInput, PersonInput, StatementInput,
};

/// Rules and dictionaries; `known_places` are place names the graph already holds.
#[derive(Default)]
pub struct RuleExtractor {
    pub known_places: Vec<String>,
}

const WEEKDAYS: &[(&str, Weekday)] = &[
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];

/// The day a sentence speaks of: "on Saturday" is the last Saturday on or before the day of
/// publication, "yesterday" the day before; None when the sentence names no day.
fn day_of(sentence: &str, published: Option<NaiveDate>) -> Option<NaiveDate> {
    let published = published?;
    let lower = sentence.to_lowercase();
    if lower.contains("yesterday") {
        return published.pred_opt();
    }
    if lower.contains("today") || lower.contains("overnight") {
        return Some(published);
    }
    for (name, day) in WEEKDAYS {
        if lower.contains(&format!("on {name}")) || lower.contains(&format!("late on {name}")) {
            let back =
                (published.weekday().num_days_from_monday() + 7 - day.num_days_from_monday()) % 7;
            return published.checked_sub_days(chrono::Days::new(back.into()));
        }
    }
    None
}

/// The sentence around byte `pos`.
fn sentence_at(body: &str, pos: usize) -> &str {
    let start = body[..pos].rfind(['\n', '.']).map(|i| i + 1).unwrap_or(0);
    let end = body[pos..]
        .find(['\n'])
        .map(|i| pos + i)
        .unwrap_or(body.len());
    let end = body[pos..end]
        .find(". ")
        .map(|i| pos + i + 1)
        .unwrap_or(end);
    &body[start..end]
}

/// Byte offsets to character offsets.
fn chars_at(body: &str, byte: usize) -> usize {
    body[..byte].chars().count()
}

impl Extractor for RuleExtractor {
    fn extract(&self, input: &Input) -> Result<Draft, ExtractError> {
        let p = prepare::prepare(input.text.as_bytes())?;
        let body = p.body.as_str();
        let english = p.language.as_deref().is_none_or(|l| l == "eng");
        let published = input.published_at.map(|d| d.date_naive());
        let entities: Vec<Entity> = if english {
            names::find(body, &self.known_places)
        } else {
            Vec::new()
        };
        let said = if english {
            quotes::find(body, &entities)
        } else {
            Vec::new()
        };
        let figures = if english {
            casualties::find(body)
        } else {
            Vec::new()
        };

        let reference = |i: usize| {
            let e = &entities[i];
            let prefix = match e.kind {
                Kind::Person => "person",
                Kind::Organization => "org",
                Kind::Place => "place",
            };
            format!("{prefix}-{i}")
        };
        let mut findings = Vec::new();
        let mut doc = ArticleDocument {
            url: input
                .url
                .clone()
                .unwrap_or_else(|| super::default_url(&input.text)),
            title: p
                .title
                .clone()
                .unwrap_or_else(|| body.chars().take(80).collect::<String>().trim().to_string()),
            summary: None,
            body: Some(body.to_string()),
            source: input.source.clone(),
            published_at: input.published_at,
            people: Vec::new(),
            organizations: Vec::new(),
            locations: Vec::new(),
            statements: Vec::new(),
            casualties: Vec::new(),
        };
        for (i, e) in entities.iter().enumerate() {
            let r = reference(i);
            let kind = match e.kind {
                Kind::Person => FindingKind::Person,
                Kind::Organization => FindingKind::Organization,
                Kind::Place => FindingKind::Location,
            };
            for (s, en) in &e.mentions {
                findings.push(Finding {
                    kind,
                    reference: r.clone(),
                    text: body[*s..*en].to_string(),
                    start: chars_at(body, *s),
                    end: chars_at(body, *en),
                    confidence: e.confidence,
                });
            }
            match e.kind {
                Kind::Person => doc.people.push(PersonInput {
                    reference: r,
                    name: e.name.clone(),
                    aliases: e.aliases.clone(),
                    role: e.role.clone(),
                    affiliation_ref: None,
                    wikidata_id: None,
                    mentioned: true,
                }),
                Kind::Organization => doc.organizations.push(OrganizationInput {
                    reference: r,
                    name: e.name.clone(),
                    aliases: e.aliases.clone(),
                    kind: None,
                    country_ref: None,
                    wikidata_id: None,
                    mentioned: true,
                }),
                Kind::Place => doc.locations.push(LocationInput {
                    reference: r,
                    name: e.name.clone(),
                    aliases: e.aliases.clone(),
                    kind: LocationKind::City,
                    latitude: None,
                    longitude: None,
                    parent_ref: None,
                    wikidata_id: None,
                    mentioned: true,
                }),
            }
        }
        let mut last_by_speaker: Vec<(usize, String)> = Vec::new();
        for (n, s) in said.iter().enumerate() {
            let r = format!("statement-{n}");
            let text = body[s.span.0..s.span.1].to_string();
            let sentence = sentence_at(body, s.span.0);
            let about: Vec<String> = entities
                .iter()
                .enumerate()
                .filter(|(_, e)| e.kind == Kind::Place)
                .filter(|(_, e)| {
                    e.mentions.iter().any(|(ms, _)| {
                        sentence.as_ptr() as usize - body.as_ptr() as usize <= *ms
                            && *ms
                                < sentence.as_ptr() as usize - body.as_ptr() as usize
                                    + sentence.len()
                    })
                })
                .map(|(i, _)| reference(i))
                .collect();
            // A denial disputes the latest statement of someone else.
            let disputes: Vec<String> = if s.disputes {
                last_by_speaker
                    .iter()
                    .rev()
                    .find(|(sp, _)| Some(*sp) != s.speaker)
                    .map(|(_, r)| vec![r.clone()])
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            findings.push(Finding {
                kind: FindingKind::Statement,
                reference: r.clone(),
                text: text.clone(),
                start: chars_at(body, s.span.0),
                end: chars_at(body, s.span.1),
                confidence: if s.speaker.is_some() { 0.8 } else { 0.4 },
            });
            doc.statements.push(StatementInput {
                reference: r.clone(),
                text,
                kind: if s.quote {
                    StatementKind::Quote
                } else if s.disputes {
                    StatementKind::Claim
                } else {
                    StatementKind::Paraphrase
                },
                speaker_ref: s.speaker.map(reference),
                said_at: day_of(sentence, published),
                place_ref: None,
                about_refs: about,
                disputes_refs: disputes,
            });
            if let Some(sp) = s.speaker {
                last_by_speaker.push((sp, r));
            }
        }
        for (n, f) in figures.iter().enumerate() {
            let sentence = sentence_at(body, f.span.0);
            let phrase = body[f.span.0..f.span.1].to_string();
            findings.push(Finding {
                kind: FindingKind::Casualty,
                reference: format!("casualty-{n}"),
                text: phrase.clone(),
                start: chars_at(body, f.span.0),
                end: chars_at(body, f.span.1),
                confidence: if f.superseded { 0.3 } else { 0.75 },
            });
            if f.superseded {
                continue;
            }
            // The reporter: someone named in the same sentence as speaking.
            let s_start = sentence.as_ptr() as usize - body.as_ptr() as usize;
            let reporter = said
                .iter()
                .filter(|s| s.span.0 <= f.span.0 + 1 && f.span.0 <= s.span.1 && !s.quote)
                .find_map(|s| s.speaker)
                .or_else(|| {
                    entities.iter().position(|e| {
                        e.kind != Kind::Place
                            && e.mentions
                                .iter()
                                .any(|(ms, _)| *ms >= s_start && *ms < s_start + sentence.len())
                    })
                });
            doc.casualties.push(CasualtyInput {
                category: f.category,
                population: f.population,
                count_min: f.min,
                count_max: f.max,
                qualifier: f.qualifier,
                phrase: Some(phrase),
                period_start: None,
                as_of: day_of(sentence, published).or(published),
                location_ref: None,
                reported_by_ref: reporter.map(reference),
            });
        }
        let mut warnings = p.warnings;
        if !english {
            warnings.push("no entities were extracted from a text that is not English".into());
        }
        Ok(Draft {
            document: doc,
            findings,
            language: p.language,
            warnings,
        })
    }
}
