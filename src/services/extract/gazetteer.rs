//! The offline gazetteer: continents, countries and every city of 15,000 inhabitants or more,
//! with coordinates and Latin and Cyrillic alternate names, from GeoNames
//! (`data/gazetteer/places.tsv`, rebuilt by `data/gazetteer/build.sh`; CC BY 4.0, see
//! `data/gazetteer/README.md`). Embedded in the binary and read once, on first use.
use std::collections::HashMap;
use std::sync::LazyLock;

use crate::domain::names::normalize;
use crate::entities::enums::LocationKind;

const DATA: &str = include_str!("../../../data/gazetteer/places.tsv");

/// Names news copy uses for countries that GeoNames spells otherwise.
const COUNTRY_ALIASES: &[(&str, &[&str])] = &[
    (
        "US",
        &[
            "U.S.",
            "US",
            "USA",
            "U.S.A.",
            "United States of America",
            "America",
        ],
    ),
    ("GB", &["UK", "U.K.", "Britain", "Great Britain"]),
    ("RU", &["Russian Federation"]),
    (
        "CD",
        &[
            "DR Congo",
            "DRC",
            "Democratic Republic of Congo",
            "Congo-Kinshasa",
        ],
    ),
    ("CG", &["Congo-Brazzaville"]),
    ("NL", &["Netherlands", "Holland"]),
    ("PS", &["Palestine", "Palestinian territories"]),
    ("TR", &["Türkiye", "Turkiye"]),
    ("CI", &["Côte d'Ivoire", "Cote d'Ivoire"]),
    ("MM", &["Burma"]),
    ("CZ", &["Czech Republic"]),
    ("KR", &["Republic of Korea"]),
    ("KP", &["DPRK"]),
    ("AE", &["UAE", "U.A.E."]),
];

#[derive(Debug)]
pub struct Place {
    pub kind: LocationKind,
    pub name: &'static str,
    /// ISO 3166 code of the country (of itself, for a country); empty for a continent.
    pub country: &'static str,
    /// Two-letter continent code.
    pub continent: &'static str,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub population: u64,
    pub aliases: Vec<&'static str>,
}

pub struct Gazetteer {
    pub places: Vec<Place>,
    /// Normalized name or alias → places, most populous first.
    by_name: HashMap<String, Vec<usize>>,
    countries: HashMap<&'static str, usize>,
    continents: HashMap<&'static str, usize>,
}

/// The matching key of a place name: normalized, with a leading "the" dropped ("The Hague"
/// stays whole only as a two-word name).
pub fn key(name: &str) -> String {
    let n = normalize(name).replace('.', "");
    match n.strip_prefix("the ") {
        Some(rest) if !rest.contains(' ') && rest != "hague" && rest != "gambia" => {
            rest.to_string()
        }
        _ => n,
    }
}

impl Gazetteer {
    fn load() -> Self {
        let mut places = Vec::new();
        for line in DATA.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 9 {
                continue;
            }
            let kind = match f[1] {
                "CONTINENT" => LocationKind::Continent,
                "COUNTRY" => LocationKind::Country,
                _ => LocationKind::City,
            };
            places.push(Place {
                kind,
                name: f[2],
                country: f[3],
                continent: f[4],
                latitude: f[5].parse().ok(),
                longitude: f[6].parse().ok(),
                population: f[7].parse().unwrap_or(0),
                aliases: f[8].split('|').filter(|a| !a.is_empty()).collect(),
            });
        }
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut countries = HashMap::new();
        let mut continents = HashMap::new();
        for (i, p) in places.iter().enumerate() {
            match p.kind {
                LocationKind::Country => {
                    countries.insert(p.country, i);
                }
                LocationKind::Continent => {
                    continents.insert(p.continent, i);
                }
                _ => {}
            }
            for n in std::iter::once(&p.name).chain(p.aliases.iter()) {
                let list = by_name.entry(key(n)).or_default();
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }
        for (iso, names) in COUNTRY_ALIASES {
            if let Some(&i) = countries.get(iso) {
                for n in *names {
                    by_name.entry(key(n)).or_default().insert(0, i);
                }
            }
        }
        // Countries and continents before cities of the same name, then by population
        // (the file is sorted that way; aliases added above keep their place first).
        for list in by_name.values_mut() {
            list.sort_by_key(|&i| {
                let p = &places[i];
                (
                    !matches!(p.kind, LocationKind::Country | LocationKind::Continent),
                    std::cmp::Reverse(p.population),
                )
            });
            list.dedup();
        }
        Self {
            places,
            by_name,
            countries,
            continents,
        }
    }

    /// Places named `name` (any spelling, accent- and case-insensitive), countries first,
    /// then the most populous.
    pub fn lookup(&self, name: &str) -> &[usize] {
        self.by_name.get(&key(name)).map_or(&[], Vec::as_slice)
    }

    pub fn country(&self, iso: &str) -> Option<usize> {
        self.countries.get(iso).copied()
    }

    pub fn continent(&self, code: &str) -> Option<usize> {
        self.continents.get(code).copied()
    }
}

pub static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(Gazetteer::load);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_in_latin_and_cyrillic_find_one_place() {
        let g = &*GAZETTEER;
        for name in ["Kyiv", "Kiev", "Київ", "KYIV"] {
            let found = g.lookup(name);
            assert!(!found.is_empty(), "{name}");
            assert_eq!(g.places[found[0]].name, "Kyiv", "{name}");
        }
        let pokrovsk = &g.places[g.lookup("Покровськ")[0]];
        assert_eq!((pokrovsk.name, pokrovsk.country), ("Pokrovsk", "UA"));
        assert!(pokrovsk.latitude.is_some());
    }

    #[test]
    fn countries_come_before_cities_and_news_names_work() {
        let g = &*GAZETTEER;
        let us = &g.places[g.lookup("U.S.")[0]];
        assert_eq!(us.kind, LocationKind::Country);
        assert_eq!(us.country, "US");
        let georgia = &g.places[g.lookup("Georgia")[0]];
        assert_eq!(georgia.kind, LocationKind::Country);
        let europe = g.continent("EU").map(|i| g.places[i].name);
        assert_eq!(europe, Some("Europe"));
        assert_eq!(g.places[g.lookup("the Netherlands")[0]].country, "NL");
        assert_eq!(g.places[g.lookup("The Hague")[0]].country, "NL");
    }
}
