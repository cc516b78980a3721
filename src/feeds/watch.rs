//! What is worth posting: a watch list of the community's stack, exclusions,
//! and a minimum CVSS score per room.
//!
//! Members run Mastodon, Misskey, Pleroma/Akkoma, GoToSocial, Synapse and the
//! stack under them; a JVN feed carries hundreds of items about everything
//! else. Items that match nothing are counted, not posted.

use super::advisory::Advisory;

#[derive(Debug, Clone, PartialEq)]
pub struct Watch {
    /// Product names, matched case-insensitively as whole words in the
    /// title, summary and products.
    pub products: Vec<String>,
    /// Other words or phrases that make an item relevant.
    pub keywords: Vec<String>,
    /// `vendor` or `vendor:product` as in CPE names.
    pub cpe: Vec<String>,
    /// Words that make an item irrelevant even when it matches.
    pub exclude: Vec<String>,
}

/// The stack of the community's servers (seeds/000 and the issue text).
pub const DEFAULT_PRODUCTS: &[&str] = &[
    "Mastodon",
    "Misskey",
    "Pleroma",
    "Akkoma",
    "GoToSocial",
    "Firefish",
    "Sharkey",
    "Iceshrimp",
    "Lemmy",
    "PeerTube",
    "Pixelfed",
    "Synapse",
    "Dendrite",
    "Conduit",
    "Element",
    "matrix-synapse",
    "nginx",
    "Apache HTTP Server",
    "PostgreSQL",
    "Redis",
    "Valkey",
    "Elasticsearch",
    "OpenSearch",
    "Meilisearch",
    "Sidekiq",
    "Ruby on Rails",
    "Rails",
    "Node.js",
    "Ruby",
    "Python",
    "OpenSSL",
    "OpenSSH",
    "Linux kernel",
    "Docker",
    "containerd",
    "Caddy",
    "HAProxy",
    "Varnish",
    "ImageMagick",
    "libvips",
    "FFmpeg",
    "Cloudflare",
    "Ubuntu",
    "Debian",
];

pub const DEFAULT_KEYWORDS: &[&str] = &["ActivityPub", "Fediverse", "Matrix protocol", "分散型SNS"];

impl Default for Watch {
    fn default() -> Watch {
        Watch {
            products: DEFAULT_PRODUCTS.iter().map(|s| s.to_string()).collect(),
            keywords: DEFAULT_KEYWORDS.iter().map(|s| s.to_string()).collect(),
            cpe: Vec::new(),
            exclude: Vec::new(),
        }
    }
}

/// The watch list compiled for matching many items: one pass over an item's
/// text finds every watched name (ASCII case-insensitively), instead of one
/// search per name.
#[derive(Debug, Clone)]
pub struct Matcher {
    watch: Watch,
    /// Products and keywords, in list order.
    wanted: aho_corasick::AhoCorasick,
    excluded: aho_corasick::AhoCorasick,
}

impl Matcher {
    pub fn new(watch: &Watch) -> Matcher {
        let build = |words: Vec<&String>| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(aho_corasick::MatchKind::Standard)
                .build(words.into_iter().filter(|w| !w.is_empty()))
                .unwrap_or_else(|_| {
                    aho_corasick::AhoCorasick::new(Vec::<String>::new())
                        .unwrap_or_else(|e| panic!("empty automaton: {e}"))
                })
        };
        let wanted_words: Vec<&String> =
            watch.products.iter().chain(&watch.keywords).filter(|w| !w.is_empty()).collect();
        let excluded_words: Vec<&String> = watch.exclude.iter().filter(|w| !w.is_empty()).collect();
        Matcher { wanted: build(wanted_words), excluded: build(excluded_words), watch: watch.clone() }
    }

    fn wanted_words(&self) -> Vec<&String> {
        self.watch.products.iter().chain(&self.watch.keywords).filter(|w| !w.is_empty()).collect()
    }

    /// The first watched (or excluded) word found as a whole word in `text`.
    fn find(ac: &aho_corasick::AhoCorasick, words: &[&String], text: &str) -> Option<String> {
        let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        ac.find_overlapping_iter(text).find_map(|m| {
            let before = text[..m.start()].chars().next_back().is_none_or(|c| !is_word(c));
            let after = text[m.end()..].chars().next().is_none_or(|c| !is_word(c));
            (before && after).then(|| words.get(m.pattern().as_usize()).map(|w| w.to_string())).flatten()
        })
    }
}

/// Why an item is or is not posted.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Matched this entry of the watch list.
    Post {
        matched: String,
    },
    Unmatched,
    Excluded {
        by: String,
    },
    BelowCvss {
        score: f32,
        min: f32,
    },
}

/// `cpe:/a:vendor:product` or `cpe:2.3:a:vendor:product:…` → (vendor, product).
fn cpe_parts(cpe: &str) -> Option<(String, String)> {
    let rest = cpe.strip_prefix("cpe:/").or_else(|| cpe.strip_prefix("cpe:2.3:"))?;
    let mut parts = rest.split(':');
    let _part = parts.next()?;
    Some((parts.next()?.to_lowercase(), parts.next().unwrap_or("").to_lowercase()))
}

/// Decides with a watch list compiled once (`Matcher::new`).
pub fn decide(a: &Advisory, m: &Matcher, filter: bool, min_cvss: Option<f32>) -> Decision {
    let text = format!("{} {} {}", a.title, a.summary.as_deref().unwrap_or_default(), a.products.join(" "));
    let excluded: Vec<&String> = m.watch.exclude.iter().filter(|w| !w.is_empty()).collect();
    if let Some(by) = Matcher::find(&m.excluded, &excluded, &text) {
        return Decision::Excluded { by };
    }
    if let (Some(min), Some(cvss)) = (min_cvss, &a.cvss)
        && cvss.score < min
    {
        return Decision::BelowCvss { score: cvss.score, min };
    }
    if !filter {
        return Decision::Post { matched: "*".into() };
    }
    if let Some(matched) = Matcher::find(&m.wanted, &m.wanted_words(), &text) {
        return Decision::Post { matched };
    }
    for cpe in &a.cpes {
        if let Some((vendor, product)) = cpe_parts(cpe)
            && let Some(w) = m.watch.cpe.iter().find(|w| {
                let w = w.to_lowercase();
                match w.split_once(':') {
                    Some((v, p)) => v == vendor && p == product,
                    None => w == vendor,
                }
            })
        {
            return Decision::Post { matched: w.clone() };
        }
    }
    Decision::Unmatched
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::advisory::Cvss;

    fn decide_w(a: &Advisory, w: &Watch, filter: bool, min: Option<f32>) -> Decision {
        decide(a, &Matcher::new(w), filter, min)
    }

    fn adv(title: &str, score: Option<f32>, cpe: &[&str]) -> Advisory {
        Advisory {
            source: "t".into(),
            id: title.into(),
            title: title.into(),
            link: None,
            published_ms: None,
            updated_ms: None,
            cves: vec![],
            cwes: vec![],
            cvss: score.map(|score| Cvss { version: Some("3.0".into()), score, severity: None, vector: None }),
            products: vec![],
            cpes: cpe.iter().map(|s| s.to_string()).collect(),
            summary: None,
        }
    }

    #[test]
    fn the_stack_matches_by_whole_words() {
        let w = Watch::default();
        assert_eq!(
            decide_w(&adv("Mastodon における認可不備の脆弱性", None, &[]), &w, true, None),
            Decision::Post { matched: "Mastodon".into() }
        );
        assert_eq!(
            decide_w(&adv("matrix-synapse: DoS via crafted events", None, &[]), &w, true, None),
            Decision::Post { matched: "matrix-synapse".into() }
        );
        assert_eq!(decide_w(&adv("Contiki-NG における再帰制御", None, &[]), &w, true, None), Decision::Unmatched);
        // "Rails" must not match "guardrails".
        assert_eq!(decide_w(&adv("guardrails library bug", None, &[]), &w, true, None), Decision::Unmatched);
    }

    #[test]
    fn exclusions_cvss_floor_cpe_and_unfiltered_rooms() {
        let mut w =
            Watch { exclude: vec!["WordPress".into()], cpe: vec!["lg:simple_editor".into()], ..Watch::default() };
        assert_eq!(
            decide_w(&adv("nginx plugin for WordPress", None, &[]), &w, true, None),
            Decision::Excluded { by: "WordPress".into() }
        );
        assert_eq!(
            decide_w(&adv("nginx bug", Some(3.1), &[]), &w, true, Some(4.0)),
            Decision::BelowCvss { score: 3.1, min: 4.0 }
        );
        assert_eq!(
            decide_w(&adv("x", None, &["cpe:/a:lg:simple_editor"]), &w, true, None),
            Decision::Post { matched: "lg:simple_editor".into() }
        );
        w.cpe = vec!["lg".into()];
        assert_eq!(
            decide_w(&adv("x", None, &["cpe:2.3:a:lg:other:1.0"]), &w, true, None),
            Decision::Post { matched: "lg".into() }
        );
        assert_eq!(decide_w(&adv("anything", None, &[]), &w, false, None), Decision::Post { matched: "*".into() });
    }
}
