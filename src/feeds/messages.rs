//! How advisories read in the vuln-info and news rooms.

use crate::duration::jst;
use crate::feeds::Advisory;
use crate::i18n::{Locale, Reply, escape_html};

/// A badge a reader takes in at a glance, from the CVSS score.
pub fn severity_badge(score: Option<f32>) -> &'static str {
    match score {
        Some(s) if s >= 9.0 => "🟥 Critical",
        Some(s) if s >= 7.0 => "🟧 High",
        Some(s) if s >= 4.0 => "🟨 Medium",
        Some(s) if s > 0.0 => "🟩 Low",
        _ => "⬜",
    }
}

fn cve_url(cve: &str) -> String {
    format!("https://www.cve.org/CVERecord?id={cve}")
}

pub fn advisory_post(locale: Locale, a: &Advisory) -> Reply {
    let score = a.cvss.as_ref().map(|c| c.score);
    let badge = severity_badge(score);
    let score_text = a.cvss.as_ref().map(|c| format!(" CVSS {:.1}", c.score)).unwrap_or_default();
    let when = a.published_ms.or(a.updated_ms).map(jst);
    let mut plain = vec![format!("{badge}{score_text} {}", a.title)];
    let mut html = vec![format!(
        "<p><strong>{}{}</strong> {}</p>",
        escape_html(badge),
        escape_html(&score_text),
        match &a.link {
            Some(l) => format!("<a href=\"{}\">{}</a>", escape_html(l), escape_html(&a.title)),
            None => escape_html(&a.title),
        }
    )];
    if !a.products.is_empty() {
        let label = locale.pick("製品", "Product");
        plain.push(format!("{label}: {}", a.products.join(", ")));
        html.push(format!("<p>{label}: {}</p>", escape_html(&a.products.join(", "))));
    }
    if !a.cves.is_empty() {
        plain.push(format!("CVE: {}", a.cves.join(", ")));
        let links: Vec<String> =
            a.cves.iter().map(|c| format!("<a href=\"{}\">{}</a>", escape_html(&cve_url(c)), escape_html(c))).collect();
        html.push(format!("<p>CVE: {}</p>", links.join(", ")));
    }
    let mut meta = format!("{}: {}", locale.pick("出典", "Source"), a.source);
    if let Some(w) = &when {
        meta.push_str(&format!(" / {}: {w}", locale.pick("公開", "Published")));
    }
    plain.push(meta.clone());
    html.push(format!("<p><em>{}</em></p>", escape_html(&meta)));
    if let Some(l) = &a.link {
        plain.push(l.clone());
    } else {
        plain.push(a.id.clone());
    }
    Reply { plain: plain.join("\n"), html: html.concat() }
}

/// The thread reply when another source reports a CVE already posted.
pub fn advisory_also(locale: Locale, a: &Advisory) -> Reply {
    let text = match locale {
        Locale::Ja => format!("🔁 {} も報告しています: {}", a.source, a.title),
        Locale::En => format!("🔁 Also reported by {}: {}", a.source, a.title),
    };
    let plain = match &a.link {
        Some(l) => format!("{text}\n{l}"),
        None => text.clone(),
    };
    let html = match &a.link {
        Some(l) => format!("<p>{} <a href=\"{}\">{}</a></p>", escape_html(&text), escape_html(l), escape_html(l)),
        None => format!("<p>{}</p>", escape_html(&text)),
    };
    Reply { plain, html }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::parse;
    use crate::i18n::Locale;

    #[test]
    fn a_jvn_item_reads_well_in_element() {
        let bytes = std::fs::read(format!(
            "{}/tests/fixtures/feeds/jvn/myjvn_np_dataFeed_jvndb_rss_hnd.fixed.xml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let a = &parse("JVNDB", &bytes).unwrap()[2];
        let r = advisory_post(Locale::Ja, a);
        assert!(
            r.plain.starts_with("🟥 Critical CVSS 9.8 LG Electronics の LG Simple Editor における脆弱性"),
            "{}",
            r.plain
        );
        assert!(r.plain.contains("製品: LG Simple Editor") && r.plain.contains("CVE: CVE-2023-40500"));
        assert!(r.plain.contains("出典: JVNDB / 公開: 2025-04-11"), "{}", r.plain);
        assert!(
            r.html.contains("<a href=\"https://www.cve.org/CVERecord?id=CVE-2023-40500\">CVE-2023-40500</a>"),
            "{}",
            r.html
        );
        assert_eq!(severity_badge(None), "⬜");
    }
}
