//! Exact, overflow-checked fractions for the allocation.

use std::cmp::Ordering;

use super::AllocationError;

pub(super) fn to_cents(value: i128) -> Result<i64, AllocationError> {
    i64::try_from(value).map_err(|_| AllocationError::ArithmeticOverflow)
}

pub(super) fn checked<T>(value: Option<T>) -> Result<T, AllocationError> {
    value.ok_or(AllocationError::ArithmeticOverflow)
}

pub(super) fn checked_sum(values: &[i128]) -> Result<i128, AllocationError> {
    values
        .iter()
        .try_fold(0i128, |acc, &v| checked(acc.checked_add(v)))
}

pub(super) fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

pub(super) fn lcm(a: i128, b: i128) -> Result<i128, AllocationError> {
    checked((a / gcd(a, b)).checked_mul(b))
}

/// An exact non-negative fraction in lowest terms with a positive denominator. Only what the
/// allocation needs is implemented, every operation overflow-checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Ratio {
    pub(super) num: i128,
    pub(super) den: i128,
}

impl Ratio {
    pub(super) const ZERO: Ratio = Ratio { num: 0, den: 1 };

    pub(super) fn int(value: i128) -> Self {
        Ratio { num: value, den: 1 }
    }

    pub(super) fn new(num: i128, den: i128) -> Self {
        debug_assert!(den > 0);
        let g = gcd(num, den).max(1);
        Ratio {
            num: num / g,
            den: den / g,
        }
    }

    /// `self · mul / div` for `mul >= 0`, `div > 0`; cancelling before multiplying keeps the
    /// intermediate products no larger than the result needs.
    pub(super) fn mul_div(self, mul: i128, div: i128) -> Result<Self, AllocationError> {
        let g1 = gcd(self.num, div).max(1);
        let g2 = gcd(mul, self.den).max(1);
        let num = checked((self.num / g1).checked_mul(mul / g2))?;
        let den = checked((self.den / g2).checked_mul(div / g1))?;
        Ok(Ratio::new(num, den))
    }

    pub(super) fn add(self, other: Self) -> Result<Self, AllocationError> {
        let den = lcm(self.den, other.den)?;
        let left = checked(self.num.checked_mul(den / self.den))?;
        let right = checked(other.num.checked_mul(den / other.den))?;
        Ok(Ratio::new(checked(left.checked_add(right))?, den))
    }

    pub(super) fn sub(self, other: Self) -> Result<Self, AllocationError> {
        self.add(Ratio {
            num: -other.num,
            den: other.den,
        })
    }

    pub(super) fn cmp_int(self, value: i128) -> Result<Ordering, AllocationError> {
        Ok(self.num.cmp(&checked(value.checked_mul(self.den))?))
    }

    pub(super) fn min(self, other: Self) -> Result<Self, AllocationError> {
        let difference = self.sub(other)?;
        Ok(if difference.num <= 0 { self } else { other })
    }

    pub(super) fn is_integer(self) -> bool {
        self.den == 1
    }

    pub(super) fn floor(self) -> i128 {
        self.num.div_euclid(self.den)
    }
}
