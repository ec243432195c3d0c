//! Which price applies to one call (SPEC 3): the period in force on the
//! month's first day, the long-context tier the call's input exceeds, its
//! batch set, and the fallbacks for prices a provider does not publish.
//!
//! The projection asks this once per workload and month; keeping the rule
//! here means the lever search and the deprecation swap price a call the
//! same way.

use rust_decimal::Decimal;

use super::{ModelPrices, Period, PriceSet};
use crate::month::Date;

impl ModelPrices {
    /// The period in force on `day`.
    pub fn period_on(&self, day: Date) -> Option<&Period> {
        self.period_index_on(day).map(|i| &self.periods[i])
    }

    /// Which period is in force on `day`, by position.
    pub fn period_index_on(&self, day: Date) -> Option<usize> {
        self.periods
            .iter()
            .rposition(|p| p.effective_from.is_none_or(|d| d <= day))
    }
}

/// The prices that apply to one call: chosen per SPEC section 3.
#[derive(Clone, Debug, PartialEq)]
pub struct CallPrices {
    pub input: Decimal,
    pub output: Decimal,
    pub cache_write: Decimal,
    pub cache_write_1h: Decimal,
    pub cache_read: Decimal,
    /// No cache-read price is known: reads are billed as input.
    pub no_cache_discount: bool,
    /// The long-context tier applied, if any.
    pub tier: Option<Decimal>,
}

#[derive(Debug, PartialEq)]
pub enum PriceError {
    /// The chosen sets publish no input or no output price.
    Missing(&'static str),
}

impl Period {
    /// Chooses the prices for a call of `input_tokens`: the highest tier the
    /// call exceeds, else the standard set; with `batch`, that tier's batch
    /// set. Missing fields fall back through the chain.
    pub fn call_prices(
        &self,
        input_tokens: Decimal,
        batch: bool,
    ) -> Result<CallPrices, PriceError> {
        let tier = self
            .tiers
            .iter()
            .rev()
            .find(|t| input_tokens > t.above_input_tokens);
        let mut chain: Vec<&PriceSet> = Vec::with_capacity(3);
        match tier {
            Some(t) => {
                if batch {
                    if let Some(b) = &t.batch {
                        chain.push(b);
                    }
                }
                chain.push(&t.standard);
            }
            None => {
                if batch {
                    if let Some(b) = &self.batch {
                        chain.push(b);
                    }
                }
            }
        }
        chain.push(&self.standard);
        let pick = |f: fn(&PriceSet) -> Option<Decimal>| chain.iter().find_map(|s| f(s));
        let input = pick(|s| s.input).ok_or(PriceError::Missing("input"))?;
        let output = pick(|s| s.output).ok_or(PriceError::Missing("output"))?;
        let cache_read = pick(|s| s.cache_read);
        Ok(CallPrices {
            input,
            output,
            cache_write: pick(|s| s.cache_write).unwrap_or(input),
            cache_write_1h: pick(|s| s.cache_write_1h).unwrap_or(input),
            cache_read: cache_read.unwrap_or(input),
            no_cache_discount: cache_read.is_none(),
            tier: tier.map(|t| t.above_input_tokens),
        })
    }
}
