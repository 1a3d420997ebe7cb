//! The rule-based extractor: names, statements and figures found by `names`, `quotes` and
//! `casualties`, assembled into one draft document whose refs point at each other.
use chrono::{Datelike, NaiveDate, Weekday};

use super::gazetteer::{GAZETTEER, Place};
use super::names::{self, Entity, Kind};
use super::{
    Draft, ExtractError, Extractor, Finding, FindingKind, Input, casualties, prepare, quotes,
};
use crate::entities::enums::{LocationKind, StatementKind};
use crate::services::ingest::{
    ArticleDocument, CasualtyInput, LocationInput, OrganizationInput, PersonInput, StatementInput,
};

/// Rules and dictionaries; `known` holds names the graph already has (see
/// [`super::link::known_names`]), which decide what a name is before any rule does.
#[derive(Default)]
pub struct RuleExtractor {
    pub known: names::Known,
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
    // "Last week": the same weekday a week before (a day within it, as precise as the text).
    if lower.contains("last week") {
        return published.checked_sub_days(chrono::Days::new(7));
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

/// The start of the period a cumulative figure counts: "since February 24, 2022", "since
/// March 2023", "since 2014".
fn since(sentence: &str) -> Option<NaiveDate> {
    static SINCE: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\bsince\b[^.;]{0,40}?\b(?:(january|february|march|april|may|june|july|august|september|october|november|december)\s+(?:(\d{1,2}),?\s+)?)?(\d{4})\b").ok()
    });
    let c = SINCE.as_ref()?.captures(sentence)?;
    let year: i32 = c.get(3)?.as_str().parse().ok()?;
    let month = match c.get(1) {
        None => 1,
        Some(m) => m
            .as_str()
            .parse::<chrono::Month>()
            .ok()?
            .number_from_month(),
    };
    let day = c.get(2).and_then(|d| d.as_str().parse().ok()).unwrap_or(1);
    NaiveDate::from_ymd_opt(year, month, day)
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

/// The role an appositive gives a person, and where the organization it names starts:
/// "Janan Sayeeq, a spokesman for the Ministry of Disaster Management," gives ("spokesman",
/// the ministry's offset); "Tamer Ramadan, head of the IFRC delegation" gives ("head", …).
fn appositive(body: &str, e: &Entity) -> Option<(String, Option<usize>)> {
    static APPOSITIVE: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^,\s+(?:a|an|the)?\s*((?:[\p{Ll}\-]+\s+){0,3}?(?:spokesman|spokeswoman|spokesperson|head|chief|director|minister|official|coordinator|adviser|advisor|commander|leader|governor|mayor|president|secretary|researcher|analyst|envoy|ambassador|representative|lead))\b(?:\s+(?:of|for|at|with)\s+(?:the\s+)?)?").ok()
    });
    let re = APPOSITIVE.as_ref()?;
    e.mentions.iter().find_map(|(_, end)| {
        let rest = &body[*end..];
        let c = re.captures(rest)?;
        let role = c.get(1)?.as_str().trim().to_string();
        let whole = c.get(0)?;
        let org_start = (whole.as_str().ends_with(' ') && whole.end() < rest.len())
            .then_some(end + whole.end());
        Some((role, org_start))
    })
}

/// The organization mentioned at byte `at`, if one is.
fn org_at(entities: &[Entity], at: usize) -> Option<usize> {
    entities.iter().position(|e| {
        e.kind == Kind::Organization && e.mentions.iter().any(|(s, en)| *s <= at && at < *en)
    })
}

/// Words that make a place name a region ("the Mykolaiv region").
const AREA_WORDS: &[&str] = &[
    " region",
    " province",
    " district",
    " oblast",
    " governorate",
];

/// Places linked to the gazetteer: kind, coordinates and the chain of parents (city →
/// country → continent; a region → its country), the parents added as unmentioned entries
/// when the text does not name them. Among places of one name, one in a country the text
/// names wins, else the most populous; the others are reported as a warning.
fn place_in_gazetteer(locations: &mut Vec<LocationInput>, warnings: &mut Vec<String>) {
    let g = &*GAZETTEER;
    let first = |name: &str| g.lookup(name).first().map(|&i| &g.places[i]);
    // Countries the text names, for choosing among places of one name.
    let named_countries: Vec<&str> = locations
        .iter()
        .filter_map(|l| first(&l.name))
        .filter(|p| p.kind == LocationKind::Country)
        .map(|p| p.country)
        .collect();
    let mut parents: Vec<LocationInput> = Vec::new();
    let mut ref_of_geo: std::collections::HashMap<String, String> = Default::default();
    for l in locations.iter() {
        if let Some(p) = first(&l.name)
            && matches!(p.kind, LocationKind::Country | LocationKind::Continent)
        {
            ref_of_geo.insert(
                format!("{:?}:{}:{}", p.kind, p.country, p.continent),
                l.reference.clone(),
            );
        }
    }
    let ensure = |p: &Place,
                  refs: &mut std::collections::HashMap<String, String>,
                  parents: &mut Vec<LocationInput>|
     -> String {
        let k = format!("{:?}:{}:{}", p.kind, p.country, p.continent);
        refs.entry(k.clone())
            .or_insert_with(|| {
                let r = format!("geo-{}", k.to_lowercase().replace(':', "-"));
                parents.push(LocationInput {
                    reference: r.clone(),
                    name: p.name.to_string(),
                    aliases: Vec::new(),
                    kind: p.kind,
                    latitude: p.latitude,
                    longitude: p.longitude,
                    parent_ref: None,
                    wikidata_id: None,
                    mentioned: false,
                });
                r
            })
            .clone()
    };
    for l in locations.iter_mut() {
        let base = AREA_WORDS
            .iter()
            .find_map(|w| l.name.strip_suffix(w))
            .unwrap_or(&l.name)
            .to_string();
        let candidates = g.lookup(&base);
        if candidates.is_empty() {
            continue;
        }
        // A country or continent of that name wins; among cities, one whose own name it is
        // (not an old or alternate name), then one in a country the text names, then the most
        // populous.
        let key = super::gazetteer::key(&base);
        let chosen = if g.places[candidates[0]].kind != LocationKind::City {
            candidates[0]
        } else {
            candidates
                .iter()
                .copied()
                .max_by_key(|&i| {
                    let c = &g.places[i];
                    (
                        super::gazetteer::key(c.name) == key,
                        named_countries.contains(&c.country),
                        c.population,
                    )
                })
                .unwrap_or(candidates[0])
        };
        let p = &g.places[chosen];
        let cities = candidates
            .iter()
            .filter(|&&i| g.places[i].kind == LocationKind::City && i != chosen)
            .count();
        if p.kind == LocationKind::City && cities > 0 && !named_countries.contains(&p.country) {
            warnings.push(format!(
                "`{}` names {} places in the gazetteer; the most populous ({}, {}) was chosen",
                l.name,
                cities + 1,
                p.name,
                p.country
            ));
        }
        if l.kind != LocationKind::Region {
            l.kind = p.kind;
            l.latitude = p.latitude;
            l.longitude = p.longitude;
            // The gazetteer's name and its Cyrillic spellings (its Latin variants are often
            // transliteration noise), so the place is found in either script.
            let cyrillic = |a: &str| a.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
            let names =
                std::iter::once(p.name).chain(p.aliases.iter().copied().filter(|a| cyrillic(a)));
            for a in names {
                if *a != l.name && !l.aliases.iter().any(|x| x == a) {
                    l.aliases.push(a.to_string());
                }
            }
        }
        let parent = match p.kind {
            LocationKind::Continent => None,
            LocationKind::Country => g.continent(p.continent),
            _ => g.country(p.country),
        };
        if let Some(parent) = parent {
            let parent = &g.places[parent];
            let parent_ref = ensure(parent, &mut ref_of_geo, &mut parents);
            if parent_ref != l.reference {
                l.parent_ref = Some(parent_ref);
            }
        }
    }
    // The added countries need their continents too.
    let mut i = 0;
    while i < parents.len() {
        if parents[i].kind == LocationKind::Country
            && let Some(&c) = g.lookup(&parents[i].name).first()
            && let Some(cont) = g.continent(g.places[c].continent)
        {
            let r = ensure(&g.places[cont], &mut ref_of_geo, &mut parents);
            parents[i].parent_ref = Some(r);
        }
        i += 1;
    }
    // Parents first, so that a document reads top-down.
    parents.reverse();
    parents.append(locations);
    *locations = parents;
}

/// Byte offsets to character offsets.
fn chars_at(index: &[usize], byte: usize) -> usize {
    index.partition_point(|b| *b < byte)
}

/// The byte offset of every character of `body`, for turning byte offsets into characters.
fn char_index(body: &str) -> Vec<usize> {
    body.char_indices().map(|(b, _)| b).collect()
}

impl Extractor for RuleExtractor {
    fn extract(&self, input: &Input) -> Result<Draft, ExtractError> {
        let p = prepare::prepare(input.text.as_bytes())?;
        let body = p.body.as_str();
        let index = char_index(body);
        let english = p.language.as_deref().is_none_or(|l| l == "eng");
        let published = input.published_at.map(|d| d.date_naive());
        let mut entities: Vec<Entity> = if english {
            names::find(body, &self.known)
        } else {
            Vec::new()
        };
        // Places the title names and the body does not ("… collapse in Colombia"), when the
        // gazetteer knows them (titles are often in headline case, so nothing else is taken).
        if english && let Some(title) = &p.title {
            for mut e in names::find(title, &self.known) {
                let known = !GAZETTEER.lookup(&e.name).is_empty();
                let new = !entities.iter().any(|b| {
                    crate::domain::names::normalize(&b.name)
                        == crate::domain::names::normalize(&e.name)
                });
                if e.kind == Kind::Place && known && new {
                    e.mentions.clear();
                    entities.push(e);
                }
            }
        }
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
                    start: chars_at(&index, *s),
                    end: chars_at(&index, *en),
                    confidence: e.confidence,
                });
            }
            match e.kind {
                Kind::Person => doc.people.push(PersonInput {
                    reference: r,
                    name: e.name.clone(),
                    aliases: e.aliases.clone(),
                    role: e.role.clone().or_else(|| appositive(body, e).map(|a| a.0)),
                    affiliation_ref: appositive(body, e)
                        .and_then(|a| a.1)
                        .and_then(|at| org_at(&entities, at))
                        .map(reference),
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
                    kind: if AREA_WORDS.iter().any(|w| e.name.ends_with(w)) {
                        LocationKind::Region
                    } else {
                        LocationKind::City
                    },
                    latitude: None,
                    longitude: None,
                    parent_ref: None,
                    wikidata_id: None,
                    mentioned: true,
                }),
            }
        }
        let mut warnings = p.warnings;
        place_in_gazetteer(&mut doc.locations, &mut warnings);
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
            findings.push(Finding {
                kind: FindingKind::Statement,
                reference: r.clone(),
                text: text.clone(),
                start: chars_at(&index, s.span.0),
                end: chars_at(&index, s.span.1),
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
                disputes_refs: Vec::new(),
            });
        }
        // A denial ("dismissed these claims", "countering Moscow's claims") disputes the
        // nearest statement of someone else in its paragraph: the one before it, else the
        // one after.
        let paragraph = |pos: usize| body[..pos].matches('\n').count();
        for (i, s) in said.iter().enumerate() {
            if !s.disputes || s.speaker.is_none() {
                continue;
            }
            let other = |j: &usize| {
                let o = &said[*j];
                o.speaker.is_some()
                    && o.speaker != s.speaker
                    && !o.disputes
                    && paragraph(o.span.0) == paragraph(s.span.0)
            };
            let target = (0..i)
                .rev()
                .find(other)
                .or_else(|| (i + 1..said.len()).find(other));
            if let Some(j) = target {
                doc.statements[i]
                    .disputes_refs
                    .push(format!("statement-{j}"));
            }
        }
        for (n, f) in figures.iter().enumerate() {
            let sentence = sentence_at(body, f.span.0);
            let phrase = body[f.span.0..f.span.1].to_string();
            findings.push(Finding {
                kind: FindingKind::Casualty,
                reference: format!("casualty-{n}"),
                text: phrase.clone(),
                start: chars_at(&index, f.span.0),
                end: chars_at(&index, f.span.1),
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
            // Where: the last place the sentence names before the figure, else its first.
            let places_here: Vec<(usize, usize)> = entities
                .iter()
                .enumerate()
                .filter(|(_, e)| e.kind == Kind::Place)
                .flat_map(|(i, e)| e.mentions.iter().map(move |(ms, _)| (*ms, i)))
                .filter(|(ms, _)| *ms >= s_start && *ms < s_start + sentence.len())
                .collect();
            let location = places_here
                .iter()
                .filter(|(ms, _)| *ms < f.span.0)
                .max_by_key(|(ms, _)| *ms)
                .or_else(|| places_here.iter().min_by_key(|(ms, _)| *ms))
                .map(|(_, i)| reference(*i));
            doc.casualties.push(CasualtyInput {
                category: f.category,
                population: f.population,
                count_min: f.min,
                count_max: f.max,
                qualifier: f.qualifier,
                phrase: Some(phrase),
                period_start: since(sentence),
                as_of: day_of(sentence, published).or(published),
                location_ref: location,
                reported_by_ref: reporter.map(reference),
            });
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_appositive_gives_a_person_a_role_and_an_affiliation() {
        let text = "Fire guts market\n\nLAGOS (Newswire) — A fire destroyed a market on Sunday, said Ibrahim Farinloye, a spokesman for the National Emergency Management Agency, adding that nobody was hurt.";
        let d = RuleExtractor::default()
            .extract(&Input {
                text: text.into(),
                ..Default::default()
            })
            .unwrap();
        let p = d
            .document
            .people
            .iter()
            .find(|p| p.name == "Ibrahim Farinloye")
            .unwrap_or_else(|| panic!("{:?}", d.document.people));
        assert_eq!(p.role.as_deref(), Some("spokesman"));
        let org = d
            .document
            .organizations
            .iter()
            .find(|o| Some(&o.reference) == p.affiliation_ref.as_ref())
            .unwrap_or_else(|| panic!("{:?}", d.document.organizations));
        assert_eq!(org.name, "National Emergency Management Agency");
    }

    #[test]
    fn relative_days_resolve_against_the_publication_date() {
        let published = NaiveDate::from_ymd_opt(2024, 5, 5); // a Sunday
        let day = |s: &str| day_of(s, published).map(|d| d.to_string());
        assert_eq!(day("It happened on Saturday."), Some("2024-05-04".into()));
        assert_eq!(day("It happened on Sunday."), Some("2024-05-05".into()));
        assert_eq!(day("It happened last week."), Some("2024-04-28".into()));
        assert_eq!(day("It happened yesterday."), Some("2024-05-04".into()));
        assert_eq!(day("No day here."), None);
        assert_eq!(
            since("killed since February 24, 2022, the UN said").map(|d| d.to_string()),
            Some("2022-02-24".into())
        );
        assert_eq!(
            since("displaced since March 2023").map(|d| d.to_string()),
            Some("2023-03-01".into())
        );
    }
}
