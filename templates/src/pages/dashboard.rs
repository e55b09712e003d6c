//! The SLA dashboard. Charts are inline SVG drawn here, with no script (the CSP allows none) and
//! no inline style (colours are presentation attributes, which `style-src 'self'` allows and
//! printers keep). Each chart is an `<svg role="img">` named by its heading and followed by a
//! table with the same figures, for screen readers and for reading exact values; bars also
//! carry their value as text, so colour is never the only way to read them.

use maud::{Markup, html};

use crate::layout;
use crate::views::{DashboardView, PageContext};

/// A week of the time-to-decision chart: (label, decisions, median hours, 90th percentile).
type Week = (String, usize, Option<f64>, Option<f64>);

const WIDTH: f64 = 640.0;
const BLUE: &str = "#1d4f91";
const ORANGE: &str = "#b34700";
const RED: &str = "#a4161a";
const GREEN: &str = "#2b7a3d";
const GREY: &str = "#6b7280";

fn fmt_hours(hours: Option<f64>) -> String {
    hours.map_or_else(|| "—".to_owned(), |h| format!("{h:.1} h"))
}

/// `/admin/tableau-de-bord`.
pub fn dashboard(ctx: &PageContext, view: &DashboardView) -> Markup {
    let (within, total) = view.within_48h;
    let share = if total == 0 {
        None
    } else {
        Some(within as f64 * 100.0 / total as f64)
    };
    let body = html! {
        div.wide.dashboard {
            p.back-link { a href=(urls::ADMIN) { "Retour à la file d'attente" } }
            h1 { "Tableau de bord : délais de validation" }
            p.scope { "Périmètre : " strong { (view.scope_label) } " — calculé le " (view.computed_at) }
            p { a href=(urls::ADMIN_QUEUE_CSV) download { "Exporter la file d'attente (CSV)" } }

            section aria-labelledby="share-title" {
                h2 id="share-title" { "Part des décisions prises sous 48 h" }
                p.share-value {
                    @if let Some(share) = share {
                        strong { (format!("{share:.0} %")) }
                        " (" (within) " décisions sur " (total) " au cours des 12 dernières semaines)"
                    } @else {
                        "Aucune décision au cours des 12 dernières semaines."
                    }
                }
                @if let Some(share) = share { (share_bar(share)) }
            }

            section aria-labelledby="pending-title" {
                h2 id="pending-title" { "Comptes en attente par ancienneté et par région" }
                @if view.pending.is_empty() {
                    p { "Aucun compte en attente." }
                } @else {
                    (pending_chart(view))
                    table.data-table {
                        caption { "Comptes en attente, par région et par ancienneté" }
                        thead { tr {
                            th scope="col" { "Région" } th scope="col" { "Moins de 24 h" }
                            th scope="col" { "24 à 48 h" } th scope="col" { "Plus de 48 h" }
                        } }
                        tbody {
                            @for (region, a, b, c) in &view.pending {
                                tr { th scope="row" { (region) } td { (a) } td { (b) } td { (c) } }
                            }
                        }
                    }
                }
            }

            section aria-labelledby="days-title" {
                h2 id="days-title" { "Décisions par jour (30 derniers jours)" }
                (days_chart(view))
                // Not folded in a <details>: a closed one does not print (no stylesheet can
                // open it), and the table is the chart's alternative on paper too.
                table.data-table {
                    caption { "Décisions par jour, comptes validés et refusés" }
                    thead { tr {
                        th scope="col" { "Jour" } th scope="col" { "Validés" } th scope="col" { "Refusés" }
                    } }
                    tbody {
                        @for (day, v, r) in &view.days {
                            tr { th scope="row" { (day) } td { (v) } td { (r) } }
                        }
                    }
                }
            }

            section aria-labelledby="weeks-title" {
                h2 id="weeks-title" { "Délai de décision par semaine (12 dernières semaines)" }
                (weeks_chart(view))
                table.data-table {
                    caption { "Délai entre l'envoi du profil et la décision, par semaine" }
                    thead { tr {
                        th scope="col" { "Semaine" } th scope="col" { "Décisions" }
                        th scope="col" { "Médiane" } th scope="col" { "90e centile" }
                    } }
                    tbody {
                        @for (week, n, median, p90) in &view.weeks {
                            tr {
                                th scope="row" { (week) } td { (n) }
                                td { (fmt_hours(*median)) } td { (fmt_hours(*p90)) }
                            }
                        }
                    }
                }
            }
        }
    };
    layout::page(ctx, "Tableau de bord des délais de validation", body)
}

fn share_bar(share: f64) -> Markup {
    let width = WIDTH * share.clamp(0.0, 100.0) / 100.0;
    html! {
        svg.chart width=(WIDTH) height="28" viewBox=(format!("0 0 {WIDTH} 28")) role="img"
            aria-labelledby="share-title" {
            rect x="0" y="4" width=(WIDTH) height="20" fill="#e5e7eb" {}
            rect x="0" y="4" width=(format!("{width:.1}")) height="20" fill=(GREEN) {}
        }
    }
}

/// Stacked horizontal bars, one per région.
fn pending_chart(view: &DashboardView) -> Markup {
    let label_width = 190.0;
    let row = 28.0;
    let max = view
        .pending
        .iter()
        .map(|(_, a, b, c)| a + b + c)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let scale = (WIDTH - label_width - 40.0) / max;
    let height = row * view.pending.len() as f64 + 36.0;
    html! {
        svg.chart width=(WIDTH) height=(height) viewBox=(format!("0 0 {WIDTH} {height}"))
            role="img" aria-labelledby="pending-title" {
            @for (i, (region, a, b, c)) in view.pending.iter().enumerate() {
                @let y = row * i as f64 + 4.0;
                text x="0" y=(y + 15.0) font-size="13" fill="#1b1f24" { (region) }
                @let (bars, end) = stacked(label_width, scale, &[(*a, BLUE), (*b, ORANGE), (*c, RED)]);
                @for (x, w, colour) in bars {
                    rect x=(format!("{x:.1}")) y=(y) width=(format!("{w:.1}")) height="20" fill=(colour) {}
                }
                @let x = end;
                text x=(format!("{:.1}", x + 6.0)) y=(y + 15.0) font-size="13" fill="#1b1f24" { (a + b + c) }
            }
            (legend(height - 14.0, &[("Moins de 24 h", BLUE), ("24 à 48 h", ORANGE), ("Plus de 48 h", RED)]))
        }
    }
}

/// The segments `(x, width, colour)` of one stacked bar starting at `x`, empty counts left
/// out, and where the bar ends.
fn stacked(
    mut x: f64,
    scale: f64,
    parts: &[(usize, &'static str)],
) -> (Vec<(f64, f64, &'static str)>, f64) {
    let mut bars = Vec::new();
    for &(count, colour) in parts {
        let width = count as f64 * scale;
        if count > 0 {
            bars.push((x, width, colour));
        }
        x += width;
    }
    (bars, x)
}

fn legend(y: f64, items: &[(&str, &str)]) -> Markup {
    html! {
        @for (i, (label, colour)) in items.iter().enumerate() {
            @let x = 150.0 * i as f64;
            rect x=(x) y=(y - 10.0) width="12" height="12" fill=(colour) {}
            text x=(x + 16.0) y=(y) font-size="12" fill="#1b1f24" { (label) }
        }
    }
}

/// Stacked vertical bars (validated, rejected), one per day.
fn days_chart(view: &DashboardView) -> Markup {
    let chart_height = 160.0;
    let top = 10.0;
    let n = view.days.len().max(1) as f64;
    let slot = (WIDTH - 40.0) / n;
    let max = view
        .days
        .iter()
        .map(|(_, v, r)| v + r)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let scale = chart_height / max;
    let height = top + chart_height + 50.0;
    html! {
        svg.chart width=(WIDTH) height=(height) viewBox=(format!("0 0 {WIDTH} {height}"))
            role="img" aria-labelledby="days-title" {
            line x1="30" y1=(top + chart_height) x2=(WIDTH) y2=(top + chart_height) stroke=(GREY) {}
            text x="0" y=(top + 10.0) font-size="11" fill="#1b1f24" { (max as usize) }
            text x="0" y=(top + chart_height) font-size="11" fill="#1b1f24" { "0" }
            @for (i, (day, v, r)) in view.days.iter().enumerate() {
                @let x = 34.0 + slot * i as f64;
                @let hv = *v as f64 * scale;
                @let hr = *r as f64 * scale;
                @let base = top + chart_height;
                @if *v > 0 {
                    rect x=(format!("{x:.1}")) y=(format!("{:.1}", base - hv)) width=(format!("{:.1}", slot * 0.8)) height=(format!("{hv:.1}")) fill=(GREEN) {}
                }
                @if *r > 0 {
                    rect x=(format!("{x:.1}")) y=(format!("{:.1}", base - hv - hr)) width=(format!("{:.1}", slot * 0.8)) height=(format!("{hr:.1}")) fill=(RED) {}
                }
                @if i % 5 == 0 {
                    text x=(format!("{x:.1}")) y=(base + 14.0) font-size="10" fill="#1b1f24" { (day) }
                }
            }
            (legend(height - 6.0, &[("Validés", GREEN), ("Refusés", RED)]))
        }
    }
}

/// Two lines (median, 90th percentile) over the weeks, with the 48 h promise as a reference.
fn weeks_chart(view: &DashboardView) -> Markup {
    let chart_height = 160.0;
    let top = 10.0;
    let left = 40.0;
    let max = view
        .weeks
        .iter()
        .filter_map(|(_, _, _, p90)| *p90)
        .fold(48.0_f64, f64::max)
        * 1.1;
    let n = view.weeks.len().max(2) as f64;
    let step = (WIDTH - left - 20.0) / (n - 1.0);
    let y_of = |hours: f64| top + chart_height - hours / max * chart_height;
    let points = |pick: fn(&Week) -> Option<f64>| {
        view.weeks
            .iter()
            .enumerate()
            .filter_map(|(i, w)| {
                pick(w).map(|h| format!("{:.1},{:.1}", left + step * i as f64, y_of(h)))
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let median = points(|w| w.2);
    let p90 = points(|w| w.3);
    let height = top + chart_height + 50.0;
    let promise = y_of(48.0);
    html! {
        svg.chart width=(WIDTH) height=(height) viewBox=(format!("0 0 {WIDTH} {height}"))
            role="img" aria-labelledby="weeks-title" {
            line x1=(left) y1=(top + chart_height) x2=(WIDTH) y2=(top + chart_height) stroke=(GREY) {}
            line x1=(left) y1=(format!("{promise:.1}")) x2=(WIDTH) y2=(format!("{promise:.1}")) stroke=(RED) stroke-dasharray="6 4" {}
            text x="0" y=(format!("{:.1}", promise + 4.0)) font-size="11" fill=(RED) { "48 h" }
            @if !median.is_empty() {
                polyline points=(median) fill="none" stroke=(BLUE) stroke-width="2" {}
            }
            @if !p90.is_empty() {
                polyline points=(p90) fill="none" stroke=(ORANGE) stroke-width="2" stroke-dasharray="4 3" {}
            }
            @for (i, (week, _, _, _)) in view.weeks.iter().enumerate() {
                @if i % 2 == 0 {
                    text x=(format!("{:.1}", left + step * i as f64 - 12.0)) y=(top + chart_height + 14.0) font-size="10" fill="#1b1f24" { (week) }
                }
            }
            (legend(height - 6.0, &[("Médiane", BLUE), ("90e centile (tirets)", ORANGE), ("Promesse de 48 h", RED)]))
        }
    }
}
