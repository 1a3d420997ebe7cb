//! Casualty figures: a number (digits, "1.9 million", number words, "tens of thousands",
//! "hundreds") with its qualifier ("at least", "more than", "about", "up to") near a word for
//! what happened (killed, injured, missing, displaced, affected). A figure someone "had
//! initially reported" is superseded, and not counted again.
use std::sync::LazyLock;

use regex::Regex;

use crate::entities::enums::{CasualtyCategory, CountQualifier, Population};

pub struct Figure {
    pub span: (usize, usize),
    pub category: CasualtyCategory,
    pub population: Population,
    pub qualifier: CountQualifier,
    pub min: Option<i32>,
    pub max: Option<i32>,
    pub superseded: bool,
}

const NUMBER: &str = r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?(?:\s+(?:million|thousand))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|a dozen|dozens|scores|hundreds|thousands|tens of thousands|hundreds of thousands)";
const QUALIFIER: &str = r"(?:at least|more than|over|nearly|almost|about|around|some|roughly|approximately|up to|as many as|fewer than|less than|an estimated)";
const WHO: &str = r"(?:\s+(?:of\s+)?(?:more\s+)?(?:people|civilians|children|soldiers|troops|residents|fighters|migrants|others|persons|women|patients|workers))?";
const WHAT: &str = r"(?:killed or (?:injured|wounded)|dead or (?:injured|wounded)|casualties|killed|dead|deaths|died|death toll|killing|injured|injuring|wounded|wounding|hurt|displaced|missing|unaccounted for|affected|homeless|evacuated|fled|flee|have fled|had fled|from their homes)";

static FIGURE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(?P<q>{QUALIFIER}\s+)?(?P<n>{NUMBER}){WHO}(?P<gap>(?:\s+(?:\w+|,)){{0,4}}?)\s+(?P<what>{WHAT})\b"
    ))
    .ok()
});
/// "killing at least 30 people", "the death toll rose to 3,958", "killed 57 civilians".
/// "the whereabouts of two more were unknown": people missing.
static WHEREABOUTS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(?P<what>whereabouts) of (?P<q>{QUALIFIER}\s+)?(?P<n>{NUMBER})(?:\s+(?:more|others?))?{WHO}(?:\s+\S+){{0,4}}?\s+(?:unknown|unclear|not known)\b"
    ))
    .ok()
});
static VERB_FIRST: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(?P<what>number of (?:\w+\s+){{0,2}}(?:dead|killed|deaths|injured|missing|displaced)(?:\s+\S+){{0,10}}?\s+(?:rose|climbed|reached|stood)(?:\s+to|\s+at)?|killing|killed|injuring|injured|wounding|wounded|displacing|displaced|toll(?:\s+\w+){{0,6}}?\s+(?:rose|climbed|rises|climbs|stood|reached|is|was|to)(?:\s+to)?)\s+(?P<q>{QUALIFIER}\s+)?(?P<n>{NUMBER})(?P<who>{WHO})"
    ))
    .ok()
});

fn number(s: &str) -> Option<(i64, Option<i64>, bool)> {
    let s = s.to_lowercase();
    let word = |w: &str| -> Option<i64> {
        Some(match w {
            "one" => 1,
            "two" => 2,
            "three" => 3,
            "four" => 4,
            "five" => 5,
            "six" => 6,
            "seven" => 7,
            "eight" => 8,
            "nine" => 9,
            "ten" => 10,
            "eleven" => 11,
            "twelve" => 12,
            "a dozen" => 12,
            "fifteen" => 15,
            "twenty" => 20,
            "thirty" => 30,
            "forty" => 40,
            "fifty" => 50,
            _ => return None,
        })
    };
    // Vague amounts: (min, max, vague).
    match s.as_str() {
        // The whole span the words can mean: "tens of thousands" is 10,000 to 99,999.
        "dozens" => return Some((12, Some(99), true)),
        "scores" => return Some((20, Some(99), true)),
        "hundreds" => return Some((100, Some(999), true)),
        "thousands" => return Some((1_000, Some(9_999), true)),
        "tens of thousands" => return Some((10_000, Some(99_999), true)),
        "hundreds of thousands" => return Some((100_000, Some(999_999), true)),
        _ => {}
    }
    if let Some(n) = word(&s) {
        return Some((n, None, false));
    }
    let (digits, scale) = if let Some(d) = s.strip_suffix("million") {
        (d.trim(), 1_000_000.0)
    } else if let Some(d) = s.strip_suffix("thousand") {
        (d.trim(), 1_000.0)
    } else {
        (s.as_str(), 1.0)
    };
    let v: f64 = digits.replace(',', "").parse().ok()?;
    Some(((v * scale).round() as i64, None, false))
}

fn category(what: &str) -> Option<CasualtyCategory> {
    let w = what.to_lowercase();
    Some(
        if (w.contains("kill") || w.contains("dead"))
            && (w.contains("injur") || w.contains("wound"))
            || w.contains("casualties")
        {
            CasualtyCategory::KilledOrInjured
        } else if w.contains("kill")
            || w.contains("dead")
            || w.contains("death")
            || w.contains("died")
            || w.starts_with("toll")
        {
            CasualtyCategory::Killed
        } else if w.contains("injur") || w.contains("wound") || w.contains("hurt") {
            CasualtyCategory::Injured
        } else if w.contains("missing") || w.contains("unaccounted") || w.contains("whereabouts") {
            CasualtyCategory::Missing
        } else if w.contains("displac")
            || w.contains("homeless")
            || w.contains("evacuat")
            || w.contains("fled")
            || w.contains("homes")
            || w.contains("flee")
        {
            CasualtyCategory::Displaced
        } else if w.contains("affected") {
            CasualtyCategory::Affected
        } else {
            return None;
        },
    )
}

fn population(who: &str) -> Population {
    let w = who.to_lowercase();
    if w.contains("civilian")
        || w.contains("children")
        || w.contains("women")
        || w.contains("residents")
        || w.contains("patients")
    {
        Population::Civilian
    } else if w.contains("soldier") || w.contains("troops") || w.contains("fighters") {
        Population::Military
    } else {
        Population::Unknown
    }
}

fn qualifier(q: Option<&str>, vague: bool) -> CountQualifier {
    let q = q.map(|q| q.trim().to_lowercase()).unwrap_or_default();
    match q.as_str() {
        "at least" | "more than" | "over" => CountQualifier::AtLeast,
        "up to" | "as many as" | "fewer than" | "less than" => CountQualifier::AtMost,
        "" if vague => CountQualifier::Range,
        "" => CountQualifier::Exact,
        _ => CountQualifier::Approximate,
    }
}

fn figure(body: &str, c: &regex::Captures<'_>, what: &str) -> Option<Figure> {
    let whole = c.get(0)?;
    let n = c.name("n")?;
    let (value, vague_max, vague) = number(n.as_str())?;
    let value = i32::try_from(value).ok()?;
    let category = category(what)?;
    let q = qualifier(c.name("q").map(|m| m.as_str()), vague);
    let (min, max) = match q {
        CountQualifier::Exact => (Some(value), Some(value)),
        CountQualifier::AtLeast => (Some(value), None),
        CountQualifier::AtMost => (None, Some(value)),
        CountQualifier::Range => (Some(value), vague_max.and_then(|m| i32::try_from(m).ok())),
        _ => (Some(value), None),
    };
    let before = &body[whole.start().saturating_sub(40)..whole.start()];
    let before = before
        .char_indices()
        .find(|(i, _)| body.is_char_boundary(whole.start().saturating_sub(40) + i))
        .map_or(before, |(i, _)| &before[i..]);
    // Only the figure's own sentence says whether it was superseded.
    let before = before.rsplit(['.', '\n']).next().unwrap_or(before);
    Some(Figure {
        span: (whole.start(), whole.end()),
        category,
        population: population(whole.as_str()),
        qualifier: q,
        min,
        max,
        superseded: before.contains("initially")
            || before.contains("earlier reported")
            || before.contains("had reported"),
    })
}

pub fn find(body: &str) -> Vec<Figure> {
    let mut out: Vec<Figure> = Vec::new();
    for re in [WHEREABOUTS.as_ref(), VERB_FIRST.as_ref(), FIGURE.as_ref()]
        .into_iter()
        .flatten()
    {
        for c in re.captures_iter(body) {
            let Some(what) = c.name("what") else { continue };
            // A gap of words must not cross a sentence or hold a second number.
            if let Some(gap) = c.name("gap")
                && (gap.as_str().contains('.')
                    || gap.as_str().chars().any(|ch| ch.is_ascii_digit()))
            {
                continue;
            }
            if let Some(f) = figure(body, &c, what.as_str())
                && !out
                    .iter()
                    .any(|o| o.span.0 < f.span.1 && f.span.0 < o.span.1)
            {
                out.push(f);
            }
        }
    }
    out.sort_by_key(|f| f.span.0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(s: &str) -> Vec<(CasualtyCategory, CountQualifier, Option<i32>, Option<i32>)> {
        find(s)
            .into_iter()
            .filter(|f| !f.superseded)
            .map(|f| (f.category, f.qualifier, f.min, f.max))
            .collect()
    }

    #[test]
    fn numbers_qualifiers_and_categories() {
        use CasualtyCategory::*;
        use CountQualifier::*;
        assert_eq!(
            figures("killing at least 1,000 people and injuring more than 1,500 in villages"),
            [
                (Killed, AtLeast, Some(1000), None),
                (Injured, AtLeast, Some(1500), None)
            ]
        );
        assert_eq!(
            figures("The death toll rose to 3,958 on Tuesday"),
            [(Killed, Exact, Some(3958), Some(3958))]
        );
        assert_eq!(
            figures("1.9 million people had been displaced"),
            [(Displaced, Exact, Some(1_900_000), Some(1_900_000))]
        );
        assert_eq!(
            figures("Tens of thousands of people have fled"),
            [(Displaced, Range, Some(10_000), Some(99_999))]
        );
        assert_eq!(
            figures("two people were killed"),
            [(Killed, Exact, Some(2), Some(2))]
        );
        assert_eq!(
            figures("two people died, and the whereabouts of two more were still unknown"),
            [
                (Killed, Exact, Some(2), Some(2)),
                (Missing, Exact, Some(2), Some(2))
            ]
        );
        assert_eq!(
            figures("Officials had initially reported 15 deaths. Now 30 people were killed."),
            [(Killed, Exact, Some(30), Some(30))]
        );
    }
}
