//! The SLA dashboard (`/admin/tableau-de-bord`, issue 11): does the guide's promise ("validé
//! sous 24h à 48h") hold? Everything is computed for the administrator's scopes, at `now`.

use chrono::{Duration, NaiveDate};
use sea_orm::{DatabaseConnection, DbErr};

use crate::clock::Timestamp;
use crate::domain::{QueueFilter, Scope};
use crate::repo;

/// Days of the decisions chart.
pub const DAYS: i64 = 30;
/// Weeks of the time-to-decision chart and of the share decided within 48 h.
pub const WEEKS: i64 = 12;

/// Pending accounts of one région by waiting time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgeBuckets {
    /// INSEE code.
    pub region: String,
    pub under_24h: usize,
    pub from_24_to_48h: usize,
    pub over_48h: usize,
}

/// Decisions taken on one day (UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayDecisions {
    pub day: NaiveDate,
    pub validated: usize,
    pub rejected: usize,
}

/// Time from profile submission to decision, over one week.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekTimes {
    /// First day of the week (the seven days ending on the next week's start).
    pub start: NaiveDate,
    pub decided: usize,
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sla {
    pub pending: Vec<AgeBuckets>,
    pub days: Vec<DayDecisions>,
    pub weeks: Vec<WeekTimes>,
    /// Decisions of the last [`WEEKS`] weeks taken within 48 h of the submission, and all of
    /// them.
    pub within_48h: (usize, usize),
}

fn covered(scopes: &[Scope], region: &str, structure: &str) -> bool {
    let structure = Some(structure).filter(|s| !s.is_empty());
    scopes.iter().any(|s| s.covers(Some(region), structure))
}

/// Nearest-rank percentile of sorted values (`p` in 0..=100).
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// Computes the dashboard.
///
/// # Errors
/// Database failures.
pub async fn sla(db: &DatabaseConnection, scopes: &[Scope], now: Timestamp) -> Result<Sla, DbErr> {
    let filter = QueueFilter {
        scopes: scopes.to_vec(),
        ..QueueFilter::default()
    };
    let mut pending: Vec<AgeBuckets> = Vec::new();
    for (account, profile) in repo::queue::pending(db, &filter).await? {
        let Some(since) = account.profile_submitted_at else {
            continue;
        };
        let hours = (now - since).num_hours();
        let index = match pending.iter().position(|b| b.region == profile.region) {
            Some(i) => i,
            None => {
                pending.push(AgeBuckets {
                    region: profile.region.clone(),
                    ..AgeBuckets::default()
                });
                pending.len() - 1
            }
        };
        let bucket = &mut pending[index];
        match hours {
            h if h >= 48 => bucket.over_48h += 1,
            h if h >= 24 => bucket.from_24_to_48h += 1,
            _ => bucket.under_24h += 1,
        }
    }
    pending.sort_by(|a, b| a.region.cmp(&b.region));

    let today = now.date_naive();
    let first_day = today - Duration::days(DAYS - 1);
    let window_start = now - Duration::weeks(WEEKS);
    let since = window_start.min(now - Duration::days(DAYS));
    let mut days: Vec<DayDecisions> = (0..DAYS)
        .map(|i| DayDecisions {
            day: first_day + Duration::days(i),
            validated: 0,
            rejected: 0,
        })
        .collect();
    let mut per_week: Vec<Vec<f64>> = vec![Vec::new(); usize::try_from(WEEKS).unwrap_or(12)];
    let (mut within, mut total) = (0, 0);
    for (account, profile) in repo::queue::decided_since(db, since).await? {
        if !covered(scopes, &profile.region, &profile.identifiant_structure) {
            continue;
        }
        let (Some(submitted), Some((decided, validated))) = (
            account.profile_submitted_at,
            account
                .validated_at
                .map(|t| (t, true))
                .or(account.rejected_at.map(|t| (t, false))),
        ) else {
            continue;
        };
        if let Some(day) = days.iter_mut().find(|d| d.day == decided.date_naive()) {
            if validated {
                day.validated += 1;
            } else {
                day.rejected += 1;
            }
        }
        if decided >= window_start && decided <= now {
            let hours = (decided - submitted).num_minutes() as f64 / 60.0;
            let week = ((decided - window_start).num_seconds() / Duration::weeks(1).num_seconds())
                as usize;
            let last = per_week.len() - 1;
            if let Some(bucket) = per_week.get_mut(week.min(last)) {
                bucket.push(hours);
            }
            total += 1;
            if hours <= 48.0 {
                within += 1;
            }
        }
    }
    let weeks = per_week
        .into_iter()
        .enumerate()
        .map(|(i, mut hours)| {
            hours.sort_by(f64::total_cmp);
            WeekTimes {
                start: (window_start + Duration::weeks(i as i64)).date_naive(),
                decided: hours.len(),
                median_hours: percentile(&hours, 50.0),
                p90_hours: percentile(&hours, 90.0),
            }
        })
        .collect();
    Ok(Sla {
        pending,
        days,
        weeks,
        within_48h: (within, total),
    })
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), Some(5.0));
        assert_eq!(percentile(&values, 90.0), Some(9.0));
        assert_eq!(percentile(&[3.0], 90.0), Some(3.0));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
