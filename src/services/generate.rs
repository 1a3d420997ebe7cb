//! A deterministic synthetic news graph for benchmarks and import tests. At scale 1: 10,000
//! articles, 2,000 people, 500 organizations, 50,000 statements (about a fifth disputing
//! another), a 5-level hierarchy of 5,000 places and 5,000 casualty figures; every count is
//! linear in the scale. The same scale always gives the same documents (hash-based, no
//! randomness), and bodies are readable sentences that mention the article's people and
//! places, so full-text search has something real to find.
use chrono::{Duration, TimeZone, Utc};

use super::ingest::{
    ArticleDocument, CasualtyInput, LocationInput, OrganizationInput, PersonInput, StatementInput,
};
use crate::entities::enums::{
    CasualtyCategory, CountQualifier, LocationKind, Population, StatementKind,
};

/// splitmix64: a well-mixed 64-bit hash of (seed, stream).
fn mix(seed: u64, stream: u64) -> u64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(stream.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn pick(seed: u64, stream: u64, n: usize) -> usize {
    (mix(seed, stream) % n.max(1) as u64) as usize
}

/// Skewed towards small indexes (a few people speak a lot, as in real news).
fn pick_skewed(seed: u64, stream: u64, n: usize) -> usize {
    let u = (mix(seed, stream) >> 11) as f64 / (1u64 << 53) as f64;
    ((u * u * u) * n as f64) as usize % n.max(1)
}

const FIRST: &[&str] = &[
    "Olena", "Andriy", "Maria", "Petro", "Iryna", "Dmytro", "Natalia", "Serhiy", "Oksana", "Yuriy",
    "Anna", "Mykola", "Tetiana", "Viktor", "Halyna", "Oleh", "Svitlana", "Ivan", "Larysa",
    "Bohdan",
];
const LAST: &[&str] = &[
    "Petrenko",
    "Kovalenko",
    "Bondarenko",
    "Tkachenko",
    "Kravchenko",
    "Shevchenko",
    "Melnyk",
    "Boyko",
    "Moroz",
    "Lysenko",
    "Savchenko",
    "Rudenko",
    "Marchenko",
    "Polishchuk",
    "Hnatyuk",
    "Zhuk",
    "Levchenko",
    "Klymenko",
    "Pavlenko",
    "Oliynyk",
    "Karpenko",
    "Romanenko",
    "Yakovenko",
    "Vlasenko",
    "Ostapenko",
];
const SYLLABLES: &[&str] = &[
    "bak", "mut", "kra", "mat", "orsk", "ivka", "pol", "dar", "vol", "novo", "hor", "lyn", "zap",
    "sol", "ber", "dyan", "chu", "hiv", "kup", "ros", "lav", "tor", "myr", "sk",
];
const ROLES: &[&str] = &[
    "spokesperson",
    "minister",
    "governor",
    "commander",
    "mayor",
    "envoy",
    "analyst",
];
const ORG_KINDS: &[&str] = &[
    "government",
    "military",
    "international body",
    "media",
    "ngo",
];
const VERBS: &[&str] = &[
    "said",
    "told reporters",
    "claimed",
    "warned",
    "insisted",
    "denied",
];
const TOPICS: &[&str] = &[
    "shelling continued overnight near",
    "humanitarian corridors were opened around",
    "power was restored in parts of",
    "drone attacks damaged infrastructure in",
    "talks on a ceasefire covered",
    "evacuations were organised from",
    "troops were redeployed towards",
    "aid convoys reached",
];

/// A unique, pronounceable name for index `i` (base-24 digits as syllables).
fn place_name(i: usize) -> String {
    let mut n = i + SYLLABLES.len();
    let mut parts = Vec::new();
    while n > 0 {
        parts.push(SYLLABLES[n % SYLLABLES.len()]);
        n /= SYLLABLES.len();
    }
    let s: String = parts.concat();
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

fn person_name(i: usize) -> String {
    let first = FIRST[i % FIRST.len()];
    let last = LAST[(i / FIRST.len()) % LAST.len()];
    let round = i / (FIRST.len() * LAST.len());
    if round == 0 {
        format!("{first} {last}")
    } else {
        format!("{first} {last} {}", roman(round + 1))
    }
}

fn roman(mut n: usize) -> String {
    let table = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")];
    let mut s = String::new();
    for (v, r) in table {
        while n >= v {
            s.push_str(r);
            n -= v;
        }
    }
    s
}

/// The sizes of one generated graph.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub articles: usize,
    pub people: usize,
    pub organizations: usize,
    /// Places per level, top first (5 levels).
    pub levels: [usize; 5],
}

impl Sizes {
    pub fn at_scale(scale: f64) -> Self {
        let n = |base: f64| ((base * scale).round() as usize).max(1);
        Self {
            articles: n(10_000.0),
            people: n(2_000.0),
            organizations: n(500.0),
            levels: [n(5.0), n(45.0), n(450.0), n(1_500.0), n(3_000.0)],
        }
    }

    pub fn places(&self) -> usize {
        self.levels.iter().sum()
    }
}

/// Place `i` (global index) → (level, parent index).
fn place_parent(sizes: &Sizes, i: usize) -> (usize, Option<usize>) {
    let mut start = 0;
    for (level, size) in sizes.levels.iter().enumerate() {
        if i < start + size {
            if level == 0 {
                return (0, None);
            }
            let parent_start = start - sizes.levels[level - 1];
            return (
                level,
                Some(parent_start + (i - start) % sizes.levels[level - 1]),
            );
        }
        start += size;
    }
    (4, None)
}

const KINDS: [LocationKind; 5] = [
    LocationKind::Continent,
    LocationKind::Country,
    LocationKind::Region,
    LocationKind::City,
    LocationKind::Site,
];

fn place_coords(i: usize, sizes: &Sizes) -> (f64, f64) {
    // Children lie near their parents: each level adds a smaller offset.
    let mut chain = vec![i];
    while let (_, Some(p)) = place_parent(sizes, *chain.last().unwrap_or(&i)) {
        chain.push(p);
    }
    let (mut lat, mut lon) = (0.0, 0.0);
    for (depth, idx) in chain.iter().rev().enumerate() {
        let spread = [40.0, 8.0, 2.0, 0.4, 0.05][depth.min(4)];
        lat += ((mix(*idx as u64, 11) % 2000) as f64 / 1000.0 - 1.0) * spread;
        lon += ((mix(*idx as u64, 12) % 2000) as f64 / 1000.0 - 1.0) * spread * 2.0;
    }
    (
        (lat.clamp(-80.0, 80.0) * 1e4).round() / 1e4,
        (lon.clamp(-179.0, 179.0) * 1e4).round() / 1e4,
    )
}

/// Document `a` of the graph of the given sizes.
pub fn article(sizes: &Sizes, a: usize) -> ArticleDocument {
    let seed = a as u64 + 1;
    let published = Utc
        .with_ymd_and_hms(2022, 2, 24, 6, 0, 0)
        .single()
        .unwrap_or_default()
        + Duration::minutes((a as i64 * 1_440 * 1_300) / sizes.articles.max(1) as i64);
    let day = published.date_naive();

    // Places: 1-3 leaves or mid-level places, with their whole parent chain.
    let mut locations: Vec<LocationInput> = Vec::new();
    let mut place_refs: Vec<String> = Vec::new();
    for k in 0..(1 + pick(seed, 1, 3)) {
        let i = sizes.levels[0]
            + sizes.levels[1]
            + pick_skewed(
                seed,
                10 + k as u64,
                sizes.places() - sizes.levels[0] - sizes.levels[1],
            );
        let mut chain = vec![i];
        while let (_, Some(p)) = place_parent(sizes, *chain.last().unwrap_or(&i)) {
            chain.push(p);
        }
        for (pos, idx) in chain.iter().enumerate() {
            let r = format!("l{idx}");
            if locations.iter().any(|l| l.reference == r) {
                continue;
            }
            let (level, parent) = place_parent(sizes, *idx);
            let (lat, lon) = place_coords(*idx, sizes);
            locations.push(LocationInput {
                reference: r.clone(),
                name: place_name(*idx),
                aliases: if idx % 7 == 0 {
                    vec![format!("{} City", place_name(*idx))]
                } else {
                    vec![]
                },
                kind: KINDS[level],
                latitude: Some(lat),
                longitude: Some(lon),
                parent_ref: parent.map(|p| format!("l{p}")),
                wikidata_id: None,
                mentioned: pos == 0,
            });
        }
        place_refs.push(format!("l{i}"));
    }
    place_refs.dedup();

    let mut organizations: Vec<OrganizationInput> = Vec::new();
    for k in 0..(1 + pick(seed, 2, 2)) {
        let o = pick_skewed(seed, 20 + k as u64, sizes.organizations);
        let r = format!("o{o}");
        if organizations.iter().any(|x| x.reference == r) {
            continue;
        }
        organizations.push(OrganizationInput {
            reference: r,
            name: format!(
                "{} {}",
                place_name(o * 3 + 1),
                ["Ministry", "Brigade", "Council", "Agency", "Monitor"][o % 5]
            ),
            aliases: vec![],
            kind: Some(ORG_KINDS[o % ORG_KINDS.len()].to_string()),
            country_ref: None,
            wikidata_id: None,
            mentioned: true,
        });
    }
    let mut people: Vec<PersonInput> = Vec::new();
    for k in 0..(1 + pick(seed, 3, 4)) {
        let p = pick_skewed(seed, 30 + k as u64, sizes.people);
        let r = format!("p{p}");
        if people.iter().any(|x| x.reference == r) {
            continue;
        }
        people.push(PersonInput {
            reference: r,
            name: person_name(p),
            aliases: vec![],
            role: Some(ROLES[p % ROLES.len()].to_string()),
            affiliation_ref: None,
            wikidata_id: None,
            mentioned: true,
        });
    }

    let place_name_of = |r: &str| {
        locations
            .iter()
            .find(|l| l.reference == r)
            .map(|l| l.name.clone())
            .unwrap_or_default()
    };
    let mut body = String::new();
    let mut statements = Vec::new();
    for s in 0..5usize {
        let about = place_refs[pick(seed, 40 + s as u64, place_refs.len())].clone();
        let topic = TOPICS[pick(seed, 50 + s as u64, TOPICS.len())];
        let text = format!(
            "{topic} {} on {}",
            place_name_of(&about),
            day.format("%B %-d")
        );
        let by_person = pick(seed, 60 + s as u64, 4) != 0;
        let speaker = if by_person {
            people[pick(seed, 70 + s as u64, people.len())]
                .reference
                .clone()
        } else {
            organizations[pick(seed, 70 + s as u64, organizations.len())]
                .reference
                .clone()
        };
        let speaker_name = people
            .iter()
            .find(|p| p.reference == speaker)
            .map(|p| p.name.clone())
            .or_else(|| {
                organizations
                    .iter()
                    .find(|o| o.reference == speaker)
                    .map(|o| o.name.clone())
            })
            .unwrap_or_default();
        let kind = [
            StatementKind::Quote,
            StatementKind::Paraphrase,
            StatementKind::Claim,
        ][pick(seed, 80 + s as u64, 3)];
        body.push_str(&format!(
            "{speaker_name} {} that \"{text}\". ",
            VERBS[pick(seed, 90 + s as u64, VERBS.len())]
        ));
        let disputes = if s > 0 && pick(seed, 100 + s as u64, 5) == 0 {
            vec![format!("s{}", pick(seed, 110 + s as u64, s))]
        } else {
            vec![]
        };
        statements.push(StatementInput {
            reference: format!("s{s}"),
            text,
            kind,
            speaker_ref: Some(speaker),
            said_at: Some(day),
            place_ref: None,
            about_refs: vec![about],
            disputes_refs: disputes,
        });
    }
    let mut casualties = Vec::new();
    if a.is_multiple_of(2) {
        let place = place_refs[0].clone();
        let lo = 1 + (mix(seed, 120) % 200) as i32;
        let (qualifier, hi) = match pick(seed, 121, 3) {
            0 => (CountQualifier::Exact, Some(lo)),
            1 => (CountQualifier::AtLeast, None),
            _ => (
                CountQualifier::Range,
                Some(lo + (mix(seed, 122) % 50) as i32),
            ),
        };
        let phrase = format!(
            "{lo} people were reported hurt in {}",
            place_name_of(&place)
        );
        body.push_str(&format!("Officials said {phrase}. "));
        casualties.push(CasualtyInput {
            category: [
                CasualtyCategory::Killed,
                CasualtyCategory::Injured,
                CasualtyCategory::KilledOrInjured,
                CasualtyCategory::Displaced,
            ][pick(seed, 123, 4)],
            population: [
                Population::Civilian,
                Population::Military,
                Population::Unknown,
            ][pick(seed, 124, 3)],
            count_min: Some(lo),
            count_max: hi,
            qualifier,
            phrase: Some(phrase),
            period_start: None,
            as_of: Some(day),
            location_ref: Some(place),
            reported_by_ref: Some(organizations[0].reference.clone()),
        });
    }
    body.push_str("The situation remained tense, according to local sources.");
    let lead_place = place_name_of(&place_refs[0]);
    ArticleDocument {
        url: format!("https://news.example/generated/{a}"),
        title: format!(
            "{} {} in {lead_place}",
            people[0].name,
            [
                "speaks on fighting",
                "reports losses",
                "warns of strikes",
                "on aid access"
            ][a % 4]
        ),
        summary: Some(format!(
            "Reporting from {lead_place} on {}.",
            day.format("%B %-d, %Y")
        )),
        body: Some(body),
        source: Some(["Example Wire", "Daily Example", "Example Radio"][a % 3].to_string()),
        published_at: Some(published),
        people,
        organizations,
        locations,
        statements,
        casualties,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ingest::validate;

    #[test]
    fn generated_documents_are_valid_and_deterministic() {
        let sizes = Sizes::at_scale(0.01);
        for a in 0..sizes.articles {
            let doc = article(&sizes, a);
            assert_eq!(validate(&doc), vec![], "article {a}");
            assert_eq!(doc, article(&sizes, a));
        }
    }

    #[test]
    fn names_are_unique() {
        let names: std::collections::HashSet<String> = (0..50_000).map(place_name).collect();
        assert_eq!(names.len(), 50_000);
        let people: std::collections::HashSet<String> = (0..20_000).map(person_name).collect();
        assert_eq!(people.len(), 20_000);
    }

    #[test]
    fn sizes_are_linear_in_the_scale() {
        let one = Sizes::at_scale(1.0);
        assert_eq!(
            (one.articles, one.people, one.organizations, one.places()),
            (10_000, 2_000, 500, 5_000)
        );
        let ten = Sizes::at_scale(10.0);
        assert_eq!((ten.articles, ten.places()), (100_000, 50_000));
    }
}
