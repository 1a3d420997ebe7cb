//! Names in a text: runs of capitalised words, each read as a person, an organization or a
//! place from the words around it (a role before a person, a head word in an organization's
//! name, a preposition or a dateline before a place), and from the names the caller already
//! knows. Later mentions by surname, acronym or role resolve to the entity first named.
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::gazetteer::GAZETTEER;
use crate::domain::names::normalize;
use crate::entities::enums::LocationKind;

/// Names the graph already holds (normalized), with what they name.
pub type Known = HashMap<String, Kind>;

/// Every capitalised run of `text` and each of its words, normalized: the names worth
/// looking up in the graph before extracting.
pub fn candidates(text: &str) -> Vec<String> {
    let Some(re) = RUN.as_ref() else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for m in re.find_iter(text) {
        let (_, run) = trim_run(m.as_str());
        out.push(normalize(run));
        out.extend(run.split_whitespace().map(normalize));
    }
    out.retain(|n| n.chars().count() > 1);
    out.sort();
    out.dedup();
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Person,
    Organization,
    Place,
}

/// One entity of the text, with every place it is mentioned.
#[derive(Debug, Clone)]
pub struct Entity {
    pub kind: Kind,
    pub name: String,
    pub aliases: Vec<String>,
    pub role: Option<String>,
    /// Byte ranges in the body.
    pub mentions: Vec<(usize, usize)>,
    pub confidence: f32,
}

/// Words that name a role and so announce a person ("Governor Josh Green", "spokesman X").
const ROLES: &[&str] = &[
    "president",
    "prime minister",
    "minister",
    "governor",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "envoy",
    "general",
    "gen.",
    "secretary",
    "mayor",
    "commissioner",
    "chancellor",
    "king",
    "queen",
    "pope",
    "senator",
    "sen.",
    "rep.",
    "leader",
    "chief",
    "head",
    "administrator",
    "coordinator",
    "resident",
    "official",
    "ambassador",
    "director",
    "commander",
    "lawmaker",
    "adviser",
    "advisor",
    "aide",
    "judge",
    "prosecutor",
    "mr.",
    "mrs.",
    "ms.",
    "dr.",
    "sheikh",
    "emir",
    "prince",
    "colonel",
    "col.",
    "lieutenant",
    "captain",
    "sergeant",
    "deputy",
    "analyst",
    "professor",
    "economist",
    "negotiator",
    "chairman",
    "chairwoman",
    "speaker",
    "representative",
    "mother",
    "father",
    "witness",
    "survivor",
];

/// First words of names that are events or vessels, not people ("Typhoon Doksuri").
const EVENT_HEADS: &[&str] = &[
    "typhoon",
    "hurricane",
    "storm",
    "cyclone",
    "operation",
    "mv",
    "ms",
    "uss",
    "hms",
    "flight",
];

/// Words after a name that make it an armed group ("M23 rebels").
const GROUP_WORDS: &[&str] = &[
    " rebels",
    " militia",
    " militants",
    " insurgents",
    " fighters",
];

/// Words that make a name a place: water, mountains, islands.
const PLACE_HEADS: &[&str] = &[
    "sea",
    "lake",
    "river",
    "gulf",
    "ocean",
    "bay",
    "strait",
    "island",
    "islands",
    "mountains",
    "mount",
    "valley",
    "desert",
    "peninsula",
    "coast",
];

/// The surname of a full name, suffixes ("Jr.", "III") skipped.
pub fn surname(name: &str) -> Option<&str> {
    name.split_whitespace().rev().find(|w| {
        !["jr.", "jr", "sr.", "sr", "ii", "iii", "iv"].contains(&w.to_lowercase().as_str())
    })
}

/// Whether the words around a name of two to four capitalised words show a person: a role
/// before it, an attribution verb or an appositive after it, attribution before it, or the
/// surname used again on its own.
fn person_evidence(
    word_counts: &HashMap<&str, usize>,
    before: &[String],
    after: &str,
    last: &str,
) -> bool {
    const AFTER: &[&str] = &[
        " said",
        " says",
        " told",
        " added",
        " wrote",
        " warned",
        " urged",
        " called",
        " announced",
        " stated",
        " declared",
        " insisted",
        " denied",
        ", who",
        ", whose",
        ", the ",
        ", a ",
        ", an ",
        ", head",
        ", chief",
        " has ",
        " had ",
        " was ",
        " is ",
    ];
    if AFTER.iter().any(|a| after.starts_with(a)) {
        return true;
    }
    if before.first().is_some_and(|w| {
        ROLES.contains(&w.as_str())
            || ["said", "says", "told", "by", "spokesman", "spokeswoman"].contains(&w.as_str())
    }) || (before.len() >= 2 && before[0] == "to" && before[1] == "according")
    {
        return true;
    }
    let last = last.trim_end_matches(['.', ',']);
    last.len() > 2 && word_counts.get(last).copied().unwrap_or(0) > 1
}

/// Lower-case words that qualify a role ("regional governor", "foreign policy adviser").
const ROLE_MODIFIERS: &[&str] = &[
    "regional",
    "foreign",
    "policy",
    "deputy",
    "interior",
    "defence",
    "defense",
    "prime",
    "vice",
    "special",
    "senior",
    "former",
    "top",
    "military",
    "local",
    "district",
    "provincial",
    "state",
    "chief",
    "humanitarian",
    "emergency",
    "health",
    "finance",
    "opposition",
    "party",
];

/// Words that make a capitalised run an organization.
const ORG_HEADS: &[&str] = &[
    "ministry",
    "agency",
    "organization",
    "organisation",
    "office",
    "council",
    "commission",
    "committee",
    "forces",
    "force",
    "army",
    "military",
    "bureau",
    "party",
    "union",
    "federation",
    "society",
    "societies",
    "bank",
    "fund",
    "network",
    "court",
    "parliament",
    "government",
    "administration",
    "corps",
    "command",
    "service",
    "institute",
    "university",
    "association",
    "cross",
    "crescent",
    "county",
    "department",
    "authority",
    "police",
    "navy",
    "guard",
    "brigade",
    "battalion",
    "front",
    "movement",
    "alliance",
    "coalition",
    "program",
    "programme",
    "nations",
    "company",
    "corporation",
    "group",
    "press",
    "news",
    "times",
    "post",
    "kremlin",
    "pentagon",
    "congress",
    "senate",
    "assembly",
    "cabinet",
    "directorate",
    "mission",
    "centre",
    "center",
    "foundation",
    "watch",
    "amnesty",
];

/// Well-known organizations a text names by acronym or short name (full name first).
const KNOWN_ORGS: &[&[&str]] = &[
    &["United Nations", "UN", "U.N."],
    &["North Atlantic Treaty Organization", "NATO"],
    &["World Health Organization", "WHO"],
    &["European Union", "EU", "E.U."],
    &["UNICEF"],
    &["UNHCR", "U.N. refugee agency", "UN refugee agency"],
    &["International Committee of the Red Cross", "ICRC"],
    &["Federal Emergency Management Agency", "FEMA"],
    &["International Atomic Energy Agency", "IAEA"],
    &["Hamas"],
    &["Hezbollah"],
    &["Taliban"],
    &["Kremlin"],
    &["Pentagon"],
    &["Reuters"],
    &["Associated Press", "AP"],
    &["Agence France-Presse", "AFP"],
    &["Islamic State", "ISIS", "ISIL"],
    &["Houthis", "Houthi"],
    &["Wagner Group", "Wagner"],
    &["European Commission"],
    &["International Criminal Court", "ICC"],
    &["World Bank"],
    &["International Monetary Fund", "IMF"],
    &["Amnesty International"],
    &["Human Rights Watch"],
    &["Doctors Without Borders", "MSF", "Medecins Sans Frontieres"],
];

/// Capitalised words that start sentences or name times, never an entity by themselves.
const NOT_NAMES: &[&str] = &[
    "the",
    "a",
    "an",
    "in",
    "on",
    "at",
    "but",
    "and",
    "as",
    "after",
    "before",
    "he",
    "she",
    "it",
    "they",
    "we",
    "our",
    "his",
    "her",
    "this",
    "that",
    "these",
    "those",
    "when",
    "while",
    "since",
    "if",
    "its",
    "their",
    "there",
    "however",
    "meanwhile",
    "also",
    "about",
    "more",
    "some",
    "many",
    "most",
    "all",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "i",
    "you",
    "what",
    "who",
    "why",
    "how",
    "where",
    "with",
    "without",
    "for",
    "from",
    "by",
    "to",
    "of",
    "no",
    "yes",
    "not",
    "every",
    "whole",
    "over",
    "under",
    "according",
    "despite",
    "during",
    "earlier",
    "later",
    "last",
    "next",
    "rescue",
    "officials",
    "residents",
    "people",
    "local",
    "western",
    "eastern",
    "northern",
    "southern",
    "central",
    "opposition",
    "state",
    "hospital",
    "hospitals",
];

/// Demonyms and the country they point to, for "Russian Defence Ministry", "Israeli military".
const DEMONYMS: &[&str] = &[
    "Russian",
    "Ukrainian",
    "Israeli",
    "Palestinian",
    "Sudanese",
    "Libyan",
    "Afghan",
    "Syrian",
    "Iranian",
    "Iraqi",
    "American",
    "British",
    "French",
    "German",
    "Chinese",
    "Turkish",
    "Egyptian",
    "Lebanese",
    "Yemeni",
    "Saudi",
    "Indian",
    "Pakistani",
    "Dutch",
    "Polish",
    "Japanese",
    "Korean",
    "Ethiopian",
    "Somali",
    "Congolese",
    "Nigerian",
    "Malian",
];

static DEMONYM_ORG: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let demonyms = DEMONYMS.join("|");
    // "Russian Defence Ministry", "Israeli military", and "Ukraine's military".
    Regex::new(&format!(
        r"\b(?:{demonyms}|\p{{Lu}}\p{{L}}+['’]s)\s+(?:(?i:defen[cs]e|foreign|interior|health|finance|emergency|emergencies)\s+)?(?:[Mm]inistry(?:\s+of\s+(?:the\s+)?\p{{Lu}}\w+)?|[Mm]ilitary|[Aa]rmy|[Aa]ir [Ff]orce|[Nn]avy|[Pp]olice|[Gg]overnment|[Aa]rmed [Ff]orces)\b"
    ))
    .ok()
});

static SUB_BODY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\b(?:U\.N\.|UN|EU|E\.U\.|NATO|AU)\s+(?:[a-z]+\s+){0,3}(?:office|agency|mission|council|commission|envoy|body|programme|program|fund|force|court|team)\b").ok()
});

/// A capitalised word: a letter in upper case first (names may hold hyphens, apostrophes
/// and dots: "al-Balah", "O'Neil", "U.N.").
static RUN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"\b\p{Lu}[\p{L}\p{M}\p{N}'’.\-]*(?:(?:[ \t]+(?:of|for|the|and|de|del|la|al|bin|van|von|der|da|du|el)[ \t]+|[ \t]+|-)\p{Lu}[\p{L}\p{M}\p{N}'’.\-]*)*",
    )
    .ok()
});

/// The body and what the rules know about its words.
struct Text<'a> {
    body: &'a str,
}

impl Text<'_> {
    /// The lower-cased words just before `pos` (at most `n`).
    fn words_before(&self, pos: usize, n: usize) -> Vec<String> {
        self.body[..pos]
            .split(|c: char| c.is_whitespace())
            .rev()
            .filter(|w| !w.is_empty())
            .take(n)
            .map(|w| {
                w.trim_matches(|c: char| c == ',' || c == '(')
                    .to_lowercase()
            })
            .collect()
    }

    fn after(&self, pos: usize, n: usize) -> &str {
        let end = (pos + n).min(self.body.len());
        let end = (end..=self.body.len())
            .find(|e| self.body.is_char_boundary(*e))
            .unwrap_or(self.body.len());
        &self.body[pos..end]
    }
}

fn is_org_word(w: &str) -> bool {
    let w = w.trim_end_matches(['.', '\'', '’', 's']).to_lowercase();
    ORG_HEADS
        .iter()
        .any(|h| w == *h || w == h.trim_end_matches('s'))
}

fn trim_run(run: &str) -> (usize, &str) {
    // Drop leading words that never start a name, and a trailing possessive or dot.
    let mut start = 0;
    loop {
        let rest = &run[start..];
        let first = rest.split_whitespace().next().unwrap_or("");
        let bare = first.trim_end_matches(['.', ',']).to_lowercase();
        if !first.is_empty() && NOT_NAMES.contains(&bare.as_str()) && rest.len() > first.len() {
            start +=
                first.len() + (rest[first.len()..].len() - rest[first.len()..].trim_start().len());
            continue;
        }
        break;
    }
    let mut s = &run[start..];
    for suffix in ["'s", "’s"] {
        if let Some(x) = s.strip_suffix(suffix) {
            s = x;
        }
    }
    let s = s.trim_end_matches(['.', '-', '\'', '’']);
    // Connectors and time words left at the end ("Ministry of", "Macron Monday") go.
    let mut s = s;
    loop {
        let last = s.rsplit(' ').next().unwrap_or("");
        if s.contains(' ')
            && (["of", "for", "the", "and", "on", "de", "al", "la"].contains(&last)
                || NOT_NAMES.contains(&last.to_lowercase().as_str()))
        {
            s = s[..s.len() - last.len()].trim_end();
        } else {
            break;
        }
    }
    (start, s)
}

/// Places named in a dateline ("HERAT, Afghanistan (Newswire) —", "THE HAGUE (Newswire) —").
fn dateline(body: &str) -> Vec<(usize, usize)> {
    static DATELINE: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r"^([\p{Lu}][\p{Lu} .'’\-]+?)(?:,\s+([\p{Lu}][\p{L} ]+?))?\s*(?:\(|—|–|\s-)")
            .ok()
    });
    let Some(re) = DATELINE.as_ref() else {
        return Vec::new();
    };
    let first = body.lines().next().unwrap_or("");
    let Some(c) = re.captures(first) else {
        return Vec::new();
    };
    [c.get(1), c.get(2)]
        .into_iter()
        .flatten()
        .map(|m| (m.start(), m.end()))
        .collect()
}

/// "U.N.", "UN" and "U.N" are one key.
fn org_key(s: &str) -> String {
    normalize(s).replace('.', "")
}

fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            if w.contains('-') {
                return w.split('-').map(title_case).collect::<Vec<_>>().join("-");
            }
            let lower = w.to_lowercase();
            if [
                "of", "the", "and", "au", "en", "de", "la", "le", "sur", "du",
            ]
            .contains(&lower.as_str())
            {
                return lower;
            }
            let mut c = lower.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Everything named in `body`, first mention first.
pub fn find(body: &str, known: &Known) -> Vec<Entity> {
    let text = Text { body };
    let mut out: Vec<Entity> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let add = |out: &mut Vec<Entity>,
               index: &mut HashMap<String, usize>,
               kind: Kind,
               name: &str,
               span: (usize, usize),
               confidence: f32,
               role: Option<String>| {
        let key = normalize(name);
        if key.is_empty() {
            return;
        }
        match index.get(&key) {
            Some(&i) => {
                out[i].mentions.push(span);
                if out[i].role.is_none() {
                    out[i].role = role;
                }
            }
            None => {
                index.insert(key, out.len());
                out.push(Entity {
                    kind,
                    name: name.to_string(),
                    aliases: Vec::new(),
                    role,
                    mentions: vec![span],
                    confidence,
                });
            }
        }
    };

    for (s, e) in dateline(body) {
        let name = title_case(body[s..e].trim());
        add(&mut out, &mut index, Kind::Place, &name, (s, e), 0.9, None);
    }
    // "U.N. human rights office" (a body of a known organization); "Russian Defence
    // Ministry", "Israel's military".
    for (re, confidence) in [(SUB_BODY.as_ref(), 0.85), (DEMONYM_ORG.as_ref(), 0.8)] {
        for m in re.into_iter().flat_map(|re| re.find_iter(body)) {
            let span = (m.start(), m.end());
            add(
                &mut out,
                &mut index,
                Kind::Organization,
                m.as_str(),
                span,
                confidence,
                None,
            );
        }
    }
    // How often each word occurs, for telling a surname used again.
    let mut word_counts: HashMap<&str, usize> = HashMap::new();
    for w in body.split(|c: char| !c.is_alphanumeric() && c != '-' && c != '\'') {
        if !w.is_empty() {
            *word_counts.entry(w).or_default() += 1;
        }
    }
    let Some(run_re) = RUN.as_ref() else {
        return out;
    };
    // Runs, with "A and B" split in two unless the whole is an organization's name ("Red
    // Cross and Red Crescent Societies").
    let mut pieces: Vec<(usize, &str)> = Vec::new();
    let mut runs: Vec<(usize, &str)> = Vec::new();
    for m in run_re.find_iter(body) {
        // A word ending in a full stop ends a sentence ("Kushner. Details"), unless it is an
        // initial or an abbreviation ("U.S.", "Gen.", "J.").
        let mut at = 0;
        let text = m.as_str();
        for (i, _) in text.match_indices(". ") {
            let word = text[at..i + 1].rsplit(' ').next().unwrap_or("");
            let abbreviation = word.len() <= 2
                || word.chars().filter(|c| *c == '.').count() > 1
                || ROLES.contains(&word.to_lowercase().as_str());
            if !abbreviation {
                runs.push((m.start() + at, &text[at..i + 1]));
                at = i + 2;
            }
        }
        runs.push((m.start() + at, &text[at..]));
    }
    for (run_start, run) in runs {
        let (offset, name) = trim_run(run);
        let start = run_start + offset;
        if name.contains(" and ") && !name.split_whitespace().any(is_org_word) {
            let mut at = start;
            for part in name.split(" and ") {
                pieces.push((at, part));
                at += part.len() + " and ".len();
            }
        } else {
            pieces.push((start, name));
        }
    }
    for (start, name) in pieces {
        if name.is_empty() {
            continue;
        }
        let end = start + name.len();
        let first_word = name.split_whitespace().next().unwrap_or("").to_lowercase();
        if (NOT_NAMES.contains(&first_word.as_str()) || DEMONYMS.contains(&name))
            && !name.contains(' ')
        {
            continue;
        }
        // Inside an organization found by its demonym ("Russian Defence Ministry"); the
        // country of a possessive one ("Israel's military") is still a place.
        if out.iter().any(|e| {
            e.kind == Kind::Organization && e.mentions.iter().any(|(s, e)| *s <= start && end <= *e)
        }) && !GAZETTEER
            .lookup(name)
            .first()
            .is_some_and(|&i| GAZETTEER.places[i].kind == LocationKind::Country)
        {
            continue;
        }
        // Storms, operations and ships are named like people but are none of these.
        let first_lower = name.split_whitespace().next().unwrap_or("").to_lowercase();
        if EVENT_HEADS.contains(&first_lower.as_str()) {
            continue;
        }
        // All capitals and long: the dateline or a shouted headline word, handled above.
        if name.len() > 5 && name.chars().all(|c| !c.is_lowercase()) && !name.contains('.') {
            continue;
        }
        // A title run into the name ("Interior Minister Ihor Klymenko", "Governor Josh
        // Green"): the title is the person's role, the rest the name.
        let all: Vec<&str> = name.split_whitespace().collect();
        let titled = all
            .iter()
            .take(all.len().saturating_sub(1))
            .rposition(|w| ROLES.contains(&w.to_lowercase().as_str()));
        if let Some(k) = titled
            && !all.iter().any(|w| is_org_word(w))
        {
            // "Secretary of State Marco Rubio": a connector and its word belong to the role.
            let mut k = k;
            while k + 3 < all.len() && ["of", "for"].contains(&all[k + 1]) {
                k += 2;
            }
            let role = all[..=k].join(" ");
            let person = all[k + 1..].join(" ");
            let p_start = start + name.len() - person.len();
            let p_norm = normalize(&person);
            if let Some(i) = out.iter().position(|e| {
                e.kind == Kind::Person
                    && (normalize(&e.name) == p_norm
                        || normalize(&e.name).ends_with(&format!(" {p_norm}")))
            }) {
                out[i].mentions.push((p_start, end));
            } else {
                add(
                    &mut out,
                    &mut index,
                    Kind::Person,
                    &person,
                    (p_start, end),
                    0.9,
                    Some(role),
                );
            }
            continue;
        }
        let words: Vec<&str> = name.split_whitespace().collect();
        let before = text.words_before(start, 3);
        let after = text.after(end, 40).to_lowercase();
        let norm = normalize(name);
        let known_org = KNOWN_ORGS
            .iter()
            .find(|names| names.iter().any(|n| org_key(n) == org_key(name)));
        let kind = if let Some(&k) = known.get(&norm) {
            // The graph's own names decide first.
            k
        } else if let Some(names) = known_org {
            let canonical = names[0];
            add(
                &mut out,
                &mut index,
                Kind::Organization,
                canonical,
                (start, end),
                0.95,
                None,
            );
            if let Some(&i) = index.get(&normalize(canonical))
                && canonical != name
                && !out[i].aliases.iter().any(|a| org_key(a) == org_key(name))
            {
                out[i].aliases.push(name.to_string());
            }
            continue;
        } else if words.iter().any(|w| is_org_word(w))
            || GROUP_WORDS.iter().any(|g| after.starts_with(g))
        {
            Kind::Organization
        } else if (words.len() >= 2
            && PLACE_HEADS.iter().any(|h| {
                words.first().is_some_and(|w| w.eq_ignore_ascii_case(h))
                    || words.last().is_some_and(|w| w.eq_ignore_ascii_case(h))
            }))
            || place_context(&before, &after, words.len())
            || gazetteer_place(name, &before, &after, words.len())
        {
            Kind::Place
        } else if words.len() >= 2
            && words.len() <= 4
            && person_evidence(
                &word_counts,
                &before,
                &after,
                words.last().copied().unwrap_or(""),
            )
        {
            Kind::Person
        } else {
            // A single capitalised word: a surname of someone named before, else unknown.
            if let Some(i) = out.iter().position(|e| {
                e.kind == Kind::Person && surname(&e.name).map(normalize) == Some(norm.clone())
            }) {
                out[i].mentions.push((start, end));
            } else if let Some(i) = out.iter().position(|e| {
                e.kind == Kind::Organization
                    && e.aliases.iter().any(|a| org_key(a) == org_key(name))
            }) {
                out[i].mentions.push((start, end));
            }
            continue;
        };
        let role = (kind == Kind::Person)
            .then(|| role_before(body, start))
            .flatten();
        // A later mention of a person's surname together with a first name already known
        // is the same person; a person's full name is never a place.
        if kind == Kind::Person
            && let Some(i) = out
                .iter()
                .position(|e| e.kind == Kind::Person && normalize(&e.name).ends_with(&norm))
        {
            out[i].mentions.push((start, end));
            continue;
        }
        // "the Mykolaiv region", "the Odesa and Mykolaiv regions": the region is the place.
        let area = (kind == Kind::Place)
            .then(|| {
                [
                    " region",
                    " province",
                    " district",
                    " oblast",
                    " governorate",
                ]
                .into_iter()
                .find(|a| after.starts_with(a))
            })
            .flatten();
        let (name, end) = match area {
            Some(a) => {
                let len = if after[a.len()..].starts_with('s') {
                    a.len() + 1
                } else {
                    a.len()
                };
                (format!("{name}{a}"), end + len)
            }
            None => (name.to_string(), end),
        };
        let name = name.as_str();
        let confidence = match kind {
            Kind::Person if role.is_some() => 0.9,
            Kind::Person => 0.6,
            Kind::Organization => 0.8,
            Kind::Place => 0.7,
        };
        add(
            &mut out,
            &mut index,
            kind,
            name,
            (start, end),
            confidence,
            role,
        );
    }
    out
}

/// Words around a capitalised run that make it a place: a following "region" or "province",
/// or a preposition before it ("in Herat", "near Odesa") that is not part of a role.
fn place_context(before: &[String], after: &str, words: usize) -> bool {
    const AREA: &[&str] = &[
        " region",
        " province",
        " district",
        " oblast",
        " governorate",
    ];
    const PLACE_PREPOSITIONS: &[&str] = &[
        "in", "near", "from", "across", "around", "outside", "into", "to", "toward", "towards",
        "of", "at", "between", "and", "hit", "struck", "visited", "fled",
    ];
    if AREA.iter().any(|a| after.starts_with(a)) {
        return true;
    }
    let according_to = before.len() >= 2 && before[0] == "to" && before[1] == "according";
    !according_to
        && before
            .first()
            .is_some_and(|w| PLACE_PREPOSITIONS.contains(&w.as_str()))
        && !before
            .iter()
            .skip(1)
            .take(1)
            .any(|w| ROLES.contains(&w.as_str()))
        && words <= 3
        && !(words >= 2 && (after.starts_with(" said") || after.starts_with(", who")))
}

/// A run the gazetteer knows, read as a place unless the words around it make it a person:
/// countries and continents always, cities of 100,000 or more or of several words.
fn gazetteer_place(name: &str, before: &[String], after: &str, words: usize) -> bool {
    let g = &*GAZETTEER;
    let Some(&first) = g.lookup(name).first() else {
        return false;
    };
    let p = &g.places[first];
    let person_like = after.starts_with(" said")
        || after.starts_with(" told")
        || after.starts_with(", who")
        || before.first().is_some_and(|w| ROLES.contains(&w.as_str()));
    !person_like
        && (matches!(p.kind, LocationKind::Country | LocationKind::Continent)
            || p.population >= 100_000
            || words >= 2)
}

/// "Interior Minister" in "Interior Minister Ihor Klymenko"; "regional governor" in
/// "regional governor Oleh Kiper".
fn role_before(body: &str, start: usize) -> Option<String> {
    let head = body[..start].trim_end();
    let words: Vec<&str> = head.rsplit(|c: char| c.is_whitespace()).take(4).collect();
    let mut role_words = Vec::new();
    for w in words {
        let lw = w.to_lowercase();
        let fits = ROLES.contains(&lw.as_str())
            || ROLE_MODIFIERS.contains(&lw.as_str())
            || w.chars().next().is_some_and(char::is_uppercase);
        if w.ends_with([',', '.', ';', ':', '"', '“', '”'])
            || NOT_NAMES.contains(&lw.as_str())
            || !fits
        {
            break;
        }
        role_words.push(w);
    }
    role_words.reverse();
    let phrase = role_words.join(" ");
    let lower = phrase.to_lowercase();
    ROLES
        .iter()
        .any(|r| lower.split_whitespace().any(|w| w == *r) || lower.ends_with(r))
        .then_some(phrase)
        .filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(body: &str) -> Vec<(Kind, String)> {
        find(body, &Known::new())
            .into_iter()
            .map(|e| (e.kind, e.name))
            .collect()
    }

    #[test]
    fn roles_organizations_and_places_are_told_apart() {
        let found = kinds(
            "KYIV, Ukraine (Newswire) — Interior Minister Ihor Klymenko said the Russian Defence Ministry lied. Klymenko spoke in Odesa.",
        );
        assert!(found.contains(&(Kind::Place, "Kyiv".into())), "{found:?}");
        assert!(
            found.contains(&(Kind::Place, "Ukraine".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&(Kind::Person, "Ihor Klymenko".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&(Kind::Organization, "Russian Defence Ministry".into())),
            "{found:?}"
        );
        assert!(found.contains(&(Kind::Place, "Odesa".into())), "{found:?}");
        assert_eq!(
            found.iter().filter(|(k, _)| *k == Kind::Person).count(),
            1,
            "{found:?}"
        );
    }

    #[test]
    fn acronyms_resolve_to_one_organization() {
        let found = find(
            "The United Nations said so. The U.N. added more. UN staff left.",
            &Known::new(),
        );
        let orgs: Vec<&Entity> = found
            .iter()
            .filter(|e| e.kind == Kind::Organization)
            .collect();
        assert_eq!(orgs.len(), 1, "{found:?}");
        assert_eq!(orgs[0].name, "United Nations");
        assert_eq!(orgs[0].mentions.len(), 3);
    }
}
