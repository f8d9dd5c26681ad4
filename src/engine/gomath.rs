//! Go's `math` functions where their results differ from Rust's (libm's) in the last bit.
//!
//! PromQL answers are compared exactly by promtool, so the engine computes `^`, `ln`, `log2`, `log10`,
//! the trigonometric functions and their inverses with Go's algorithms (`math/pow.go`, `log.go`,
//! `log10.go`, and the Cephes-derived `sin.go`, `tan.go`, `atan.go`, `asin.go`, `atan2.go`) rather than
//! the C library's, whose last bits differ on some inputs; the differential run against promtool checks
//! them. Go's untyped constants are exact until rounded, so `1/Ln10` is `LOG10_E`, not `1.0 / LN_10`.
//! `Exp` follows Go's amd64 assembly (the machine promtool runs on decides between its FMA and SSE paths,
//! and so does this port); `sinh`, `cosh`, `tanh`, `asinh`, `acosh`, `atanh` (with `Log1p`) are built on
//! these as in Go. Not ported: Go's Payne–Hanek reduction of trigonometric arguments beyond 2^29 (the
//! platform's functions are used there).
//!
//! The polynomial coefficients keep Cephes' decimal digits, as Go's source does: both languages round
//! them to the same doubles.
#![allow(clippy::excessive_precision)]

/// `math.Frexp`: `f = frac × 2^exp` with `frac` in `[0.5, 1)`.
pub fn frexp(f: f64) -> (f64, i32) {
    if f == 0.0 || f.is_infinite() || f.is_nan() {
        return (f, 0);
    }
    let (mut f, mut exp) = (f, 0i32);
    if f.abs() < f64::MIN_POSITIVE {
        f *= (1u64 << 52) as f64;
        exp = -52;
    }
    let bits = f.to_bits();
    exp += ((bits >> 52) & 0x7ff) as i32 - 1022;
    let bits = (bits & !(0x7ff << 52)) | (1022 << 52);
    (f64::from_bits(bits), exp)
}

/// `math.Ldexp`: `frac × 2^exp`, with Go's handling of overflow, underflow and denormals.
pub fn ldexp(frac: f64, exp: i32) -> f64 {
    if frac == 0.0 || frac.is_infinite() || frac.is_nan() {
        return frac;
    }
    let (frac, e) = frexp(frac);
    let mut exp = exp as i64 + e as i64;
    let mut x = frac.to_bits();
    exp += ((x >> 52) & 0x7ff) as i64 - 1023;
    if exp < -1075 {
        return 0.0_f64.copysign(frac);
    }
    if exp > 1023 {
        return if frac < 0.0 { f64::NEG_INFINITY } else { f64::INFINITY };
    }
    let mut m = 1.0;
    if exp < -1022 {
        exp += 53;
        m = 1.0 / (1u64 << 53) as f64;
    }
    x &= !(0x7ff << 52);
    x |= ((exp + 1023) as u64) << 52;
    m * f64::from_bits(x)
}

fn is_odd_int(x: f64) -> bool {
    if x.abs() >= (1u64 << 53) as f64 {
        return false;
    }
    let (xi, xf) = modf(x);
    xf == 0.0 && (xi as i64) & 1 == 1
}

/// `math.Modf`.
pub fn modf(f: f64) -> (f64, f64) {
    if f < 1.0 {
        if f < 0.0 {
            let (i, fr) = modf(-f);
            return (-i, -fr);
        }
        if f == 0.0 {
            return (f, f);
        }
        return (0.0, f);
    }
    let i = f.trunc();
    (i, f - i)
}

/// `math.Pow`.
pub fn pow(x: f64, y: f64) -> f64 {
    if y == 0.0 || x == 1.0 {
        return 1.0;
    }
    if y == 1.0 {
        return x;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 {
        if y < 0.0 {
            if x.is_sign_negative() && is_odd_int(y) {
                return f64::NEG_INFINITY;
            }
            return f64::INFINITY;
        }
        if y > 0.0 {
            if x.is_sign_negative() && is_odd_int(y) {
                return x;
            }
            return 0.0;
        }
    }
    if y.is_infinite() {
        if x == -1.0 {
            return 1.0;
        }
        if (x.abs() < 1.0) == (y > 0.0) {
            return 0.0;
        }
        return f64::INFINITY;
    }
    if x.is_infinite() {
        if x < 0.0 {
            return pow(1.0 / x, -y);
        }
        if y < 0.0 {
            return 0.0;
        }
        if y > 0.0 {
            return f64::INFINITY;
        }
    }
    if y == 0.5 {
        return x.sqrt();
    }
    if y == -0.5 {
        return 1.0 / x.sqrt();
    }
    let (mut yi, mut yf) = modf(y.abs());
    if yf != 0.0 && x < 0.0 {
        return f64::NAN;
    }
    if yi >= 9_223_372_036_854_775_808.0 {
        if x == -1.0 {
            return 1.0;
        }
        if (x.abs() < 1.0) == (y > 0.0) {
            return 0.0;
        }
        return f64::INFINITY;
    }
    let mut a1 = 1.0;
    let mut ae: i64 = 0;
    if yf != 0.0 {
        if yf > 0.5 {
            yf -= 1.0;
            yi += 1.0;
        }
        a1 = exp(yf * ln(x));
    }
    let (mut x1, xe) = frexp(x);
    let mut xe = xe as i64;
    let mut i = yi as i64;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    if y < 0.0 {
        a1 = 1.0 / a1;
        ae = -ae;
    }
    ldexp(a1, ae.clamp(i32::MIN as i64, i32::MAX as i64) as i32)
}

/// `math.Mod` (exact, like C's `fmod`).
pub fn fmod(x: f64, y: f64) -> f64 {
    if y == 0.0 || x.is_infinite() || x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    x % y
}

/// Whether Go's amd64 `Exp` takes its FMA path (`cpu.X86.HasAVX && cpu.X86.HasFMA`).
fn go_uses_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static FMA: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *FMA.get_or_init(|| std::arch::is_x86_feature_detected!("avx") && std::arch::is_x86_feature_detected!("fma"))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `math.Exp` as Go computes it on amd64 (`exp_amd64.s`, after Shibata's SLEEF method): the argument is
/// reduced by a rounded multiple of ln 2, scaled by 1/16, a Taylor polynomial is evaluated and squared
/// back four times; with AVX and FMA some steps are fused, exactly as Go picks its path at run time.
/// Results that would be subnormal are 0, as in Go.
pub fn exp(x: f64) -> f64 {
    const LN2U: f64 = 0.693_147_180_559_662_956_511_601_805_686_950_683_593_75;
    const LN2L: f64 = 0.282_352_905_630_315_771_225_884_481_750_134_360_255_254_120_68e-12;
    const OVERFLOW: f64 = 7.097_827_128_933_84e2;
    const C: [f64; 6] = [
        1.666_666_666_666_666_666_7e-1,
        4.166_666_666_666_666_666_7e-2,
        8.333_333_333_333_333_333_3e-3,
        1.388_888_888_888_888_888_9e-3,
        1.984_126_984_126_984_127_0e-4,
        2.480_158_730_158_730_158_7e-5,
    ];
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x == f64::NEG_INFINITY {
        return 0.0;
    }
    if x > OVERFLOW {
        return f64::INFINITY;
    }
    // CVTSD2SL: round to nearest even; out of range gives the "integer indefinite" value.
    let r = (x * std::f64::consts::LOG2_E).round_ties_even();
    let bx: i64 = if (-2_147_483_648.0..=2_147_483_647.0).contains(&r) { r as i64 } else { i32::MIN as i64 };
    let k = bx as f64;
    let fma = go_uses_fma();
    let mut x0 = x;
    if fma {
        x0 = (-k).mul_add(LN2U, x0);
        x0 = (-k).mul_add(LN2L, x0);
    } else {
        x0 -= k * LN2U;
        x0 -= k * LN2L;
    }
    x0 *= 0.0625;
    let mut x1 = C[5];
    let coeffs = [C[4], C[3], C[2], C[1], C[0], 0.5, 1.0];
    for c in coeffs {
        x1 = if fma { x1.mul_add(x0, c) } else { x1 * x0 + c };
    }
    x0 *= x1;
    if fma {
        for _ in 0..3 {
            x1 = x0 + 2.0;
            x0 *= x1;
        }
        x1 = x0 + 2.0;
        x0 = x0.mul_add(x1, 1.0);
    } else {
        for _ in 0..4 {
            x1 = 2.0 + x0;
            x0 *= x1;
        }
        x0 += 1.0;
    }
    let biased = bx + 0x3ff;
    if biased <= 0 {
        return 0.0;
    }
    if biased >= 0x7ff {
        return f64::INFINITY;
    }
    x0 * f64::from_bits((biased as u64) << 52)
}

/// `math.Sinh` (Hart & Cheney's series below 0.5, `Exp` above, in the current `(ex - 1/ex) * 0.5` form).
pub fn sinh(x: f64) -> f64 {
    const P0: f64 = -0.630_767_364_049_771_699_118_478_725_1e6;
    const P1: f64 = -0.899_127_202_203_950_935_539_801_351_1e5;
    const P2: f64 = -0.289_421_135_598_956_380_728_466_036_6e4;
    const P3: f64 = -0.263_056_321_339_749_706_281_948_9e2;
    const Q0: f64 = -0.630_767_364_049_771_699_121_207_727_7e6;
    const Q1: f64 = 0.152_151_737_879_001_907_069_648_517_6e5;
    const Q2: f64 = -0.173_678_953_558_233_699_533_450_911e3;
    let sign = x < 0.0;
    let x = x.abs();
    let mut temp = if x > 21.0 {
        exp(x) * 0.5
    } else if x > 0.5 {
        let ex = exp(x);
        (ex - 1.0 / ex) * 0.5
    } else {
        let sq = x * x;
        let t = (((P3 * sq + P2) * sq + P1) * sq + P0) * x;
        t / (((sq + Q2) * sq + Q1) * sq + Q0)
    };
    if sign {
        temp = -temp;
    }
    temp
}

/// `math.Cosh`.
pub fn cosh(x: f64) -> f64 {
    let x = x.abs();
    if x > 21.0 {
        return exp(x) * 0.5;
    }
    let ex = exp(x);
    (ex + 1.0 / ex) * 0.5
}

/// `math.Tanh` (Cephes).
pub fn tanh(x: f64) -> f64 {
    const P: [f64; 3] =
        [-9.643_991_794_250_522_386_28e-1, -9.928_772_310_019_185_865_64e1, -1.614_687_684_417_084_479_52e3];
    const Q: [f64; 3] =
        [1.128_116_784_916_329_314_02e2, 2.235_488_390_601_004_485_83e3, 4.844_063_053_251_254_860_48e3];
    const MAXLOG: f64 = 8.802_969_193_111_305_429_598_8e1;
    let z = x.abs();
    if z > 0.5 * MAXLOG {
        return if x < 0.0 { -1.0 } else { 1.0 };
    }
    if z >= 0.625 {
        let s = exp(2.0 * z);
        let r = 1.0 - 2.0 / (s + 1.0);
        return if x < 0.0 { -r } else { r };
    }
    if x == 0.0 {
        return x;
    }
    let s = x * x;
    x + x * s * ((P[0] * s + P[1]) * s + P[2]) / (((s + Q[0]) * s + Q[1]) * s + Q[2])
}

/// `math.Log1p` (FreeBSD's `s_log1p.c` as Go writes it).
pub fn log1p(x: f64) -> f64 {
    const SQRT2M1: f64 = 4.142_135_623_730_950_488_017e-1;
    const SQRT2HALFM1: f64 = -2.928_932_188_134_524_755_992e-1;
    const SMALL: f64 = 1.0 / (1u64 << 29) as f64;
    const TINY: f64 = 1.0 / (1u64 << 54) as f64;
    const TWO53: f64 = (1u64 << 53) as f64;
    const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
    const LP: [f64; 7] = [
        6.666_666_666_666_735_130e-1,
        3.999_999_999_940_941_908e-1,
        2.857_142_874_366_239_149e-1,
        2.222_219_843_214_978_396e-1,
        1.818_357_216_161_805_012e-1,
        1.531_383_769_920_937_332e-1,
        1.479_819_860_511_658_591e-1,
    ];
    if x < -1.0 || x.is_nan() {
        return f64::NAN;
    }
    if x == -1.0 {
        return f64::NEG_INFINITY;
    }
    if x == f64::INFINITY {
        return f64::INFINITY;
    }
    let absx = x.abs();
    let mut f = 0.0;
    let mut iu: u64 = 0;
    let mut k: i64 = 1;
    if absx < SQRT2M1 {
        if absx < SMALL {
            if absx < TINY {
                return x;
            }
            return x - x * x * 0.5;
        }
        if x > SQRT2HALFM1 {
            k = 0;
            f = x;
            iu = 1;
        }
    }
    let mut c = 0.0;
    if k != 0 {
        let mut u;
        if absx < TWO53 {
            u = 1.0 + x;
            iu = u.to_bits();
            k = ((iu >> 52) as i64) - 1023;
            c = if k > 0 { 1.0 - (u - x) } else { x - (u - 1.0) };
            c /= u;
        } else {
            u = x;
            iu = u.to_bits();
            k = ((iu >> 52) as i64) - 1023;
            c = 0.0;
        }
        iu &= 0x000f_ffff_ffff_ffff;
        if iu < 0x0006_a09e_667f_3bcd {
            u = f64::from_bits(iu | 0x3ff0_0000_0000_0000);
        } else {
            k += 1;
            u = f64::from_bits(iu | 0x3fe0_0000_0000_0000);
            iu = (0x0010_0000_0000_0000 - iu) >> 2;
        }
        f = u - 1.0;
    }
    let hfsq = 0.5 * f * f;
    let kf = k as f64;
    if iu == 0 {
        if f == 0.0 {
            if k == 0 {
                return 0.0;
            }
            c += kf * LN2_LO;
            return kf * LN2_HI + c;
        }
        let r = hfsq * (1.0 - 0.666_666_666_666_666_66 * f);
        if k == 0 {
            return f - r;
        }
        return kf * LN2_HI - ((r - (kf * LN2_LO + c)) - f);
    }
    let s = f / (2.0 + f);
    let z = s * s;
    let r = z * (LP[0] + z * (LP[1] + z * (LP[2] + z * (LP[3] + z * (LP[4] + z * (LP[5] + z * LP[6]))))));
    if k == 0 {
        return f - (hfsq - s * (hfsq + r));
    }
    kf * LN2_HI - ((hfsq - (s * (hfsq + r) + (kf * LN2_LO + c))) - f)
}

/// Go's `Ln2` constant (0x3FE62E42FEFA39EF) is `LN_2`.
const LN2: f64 = std::f64::consts::LN_2;

/// `math.Asinh`.
pub fn asinh(x: f64) -> f64 {
    const NEAR_ZERO: f64 = 1.0 / (1u64 << 28) as f64;
    const LARGE: f64 = (1u64 << 28) as f64;
    if x.is_nan() || x.is_infinite() {
        return x;
    }
    let sign = x < 0.0;
    let x = x.abs();
    let temp = if x > LARGE {
        ln(x) + LN2
    } else if x > 2.0 {
        ln(2.0 * x + 1.0 / ((x * x + 1.0).sqrt() + x))
    } else if x < NEAR_ZERO {
        x
    } else {
        log1p(x + x * x / (1.0 + (1.0 + x * x).sqrt()))
    };
    if sign { -temp } else { temp }
}

/// `math.Acosh`.
pub fn acosh(x: f64) -> f64 {
    const LARGE: f64 = (1u64 << 28) as f64;
    if x < 1.0 || x.is_nan() {
        return f64::NAN;
    }
    if x == 1.0 {
        return 0.0;
    }
    if x >= LARGE {
        return ln(x) + LN2;
    }
    if x > 2.0 {
        return ln(2.0 * x - 1.0 / (x + (x * x - 1.0).sqrt()));
    }
    let t = x - 1.0;
    log1p(t + (2.0 * t + t * t).sqrt())
}

/// `math.Atanh`.
pub fn atanh(x: f64) -> f64 {
    const NEAR_ZERO: f64 = 1.0 / (1u64 << 28) as f64;
    if !(-1.0..=1.0).contains(&x) || x.is_nan() {
        return f64::NAN;
    }
    if x == 1.0 {
        return f64::INFINITY;
    }
    if x == -1.0 {
        return f64::NEG_INFINITY;
    }
    let sign = x < 0.0;
    let x = x.abs();
    let temp = if x < NEAR_ZERO {
        x
    } else if x < 0.5 {
        let t = x + x;
        0.5 * log1p(t + t * x / (1.0 - x))
    } else {
        0.5 * log1p((x + x) / (1.0 - x))
    };
    if sign { -temp } else { temp }
}

/// `math.Log` (FreeBSD's `e_log.c` as Go writes it; Go's amd64 assembly computes the same steps).
pub fn ln(x: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
    const L1: f64 = 6.666_666_666_666_735_130e-1;
    const L2: f64 = 3.999_999_999_940_941_908e-1;
    const L3: f64 = 2.857_142_874_366_239_149e-1;
    const L4: f64 = 2.222_219_843_214_978_396e-1;
    const L5: f64 = 1.818_357_216_161_805_012e-1;
    const L6: f64 = 1.531_383_769_920_937_332e-1;
    const L7: f64 = 1.479_819_860_511_658_591e-1;
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    let (mut f1, mut ki) = frexp(x);
    if f1 < std::f64::consts::SQRT_2 / 2.0 {
        f1 *= 2.0;
        ki -= 1;
    }
    let f = f1 - 1.0;
    let k = ki as f64;
    let s = f / (2.0 + f);
    let s2 = s * s;
    let s4 = s2 * s2;
    let t1 = s2 * (L1 + s4 * (L3 + s4 * (L5 + s4 * L7)));
    let t2 = s4 * (L2 + s4 * (L4 + s4 * L6));
    let r = t1 + t2;
    let hfsq = 0.5 * f * f;
    k * LN2_HI - ((hfsq - (s * (hfsq + r) + k * LN2_LO)) - f)
}

/// `math.Log10`: `Log(x) * (1/Ln10)`.
pub fn log10(x: f64) -> f64 {
    // Go's constant `1/Ln10` is exact before rounding: that is LOG10_E, not 1.0 / LN_10.
    ln(x) * std::f64::consts::LOG10_E
}

/// `math.Log2`: exact for powers of two, else `Log(frac)*(1/Ln2) + exp`.
pub fn log2(x: f64) -> f64 {
    let (frac, exp) = frexp(x);
    if frac == 0.5 {
        return (exp - 1) as f64;
    }
    ln(frac) * std::f64::consts::LOG2_E + exp as f64
}

const PI4A: f64 = 7.853_981_256_484_985_351_56e-1;
const PI4B: f64 = 3.774_894_707_930_798_176_68e-8;
const PI4C: f64 = 2.695_151_429_079_059_526_45e-15;
const REDUCE_THRESHOLD: f64 = (1u64 << 29) as f64;
const SIN: [f64; 6] = [
    1.589_623_015_765_465_680_60e-10,
    -2.505_074_776_285_780_728_66e-8,
    2.755_731_362_138_572_452_13e-6,
    -1.984_126_982_958_953_859_96e-4,
    8.333_333_333_322_118_588_78e-3,
    -1.666_666_666_666_663_072_95e-1,
];
const COS: [f64; 6] = [
    -1.135_853_652_138_768_173_00e-11,
    2.087_570_084_197_473_167_78e-9,
    -2.755_731_417_929_673_881_12e-7,
    2.480_158_728_885_170_453_48e-5,
    -1.388_888_888_887_305_641_16e-3,
    4.166_666_666_666_659_292_18e-2,
];

/// The octant and the reduced argument of `x >= 0` (below `REDUCE_THRESHOLD`), zeros mapped to the origin.
fn reduce(x: f64) -> (u64, f64) {
    let mut j = (x * (2.0 * std::f64::consts::FRAC_2_PI)) as u64;
    let mut y = j as f64;
    if j & 1 == 1 {
        j += 1;
        y += 1.0;
    }
    (j, ((x - y * PI4A) - y * PI4B) - y * PI4C)
}

fn sin_poly(z: f64, zz: f64) -> f64 {
    z + z * zz * (((((SIN[0] * zz + SIN[1]) * zz + SIN[2]) * zz + SIN[3]) * zz + SIN[4]) * zz + SIN[5])
}

fn cos_poly(zz: f64) -> f64 {
    1.0 - 0.5 * zz + zz * zz * (((((COS[0] * zz + COS[1]) * zz + COS[2]) * zz + COS[3]) * zz + COS[4]) * zz + COS[5])
}

/// `math.Sin`.
pub fn sin(x: f64) -> f64 {
    if x == 0.0 || x.is_nan() {
        return x;
    }
    if x.is_infinite() {
        return f64::NAN;
    }
    if x.abs() >= REDUCE_THRESHOLD {
        return x.sin();
    }
    let mut sign = x < 0.0;
    let (mut j, z) = reduce(x.abs());
    j &= 7;
    if j > 3 {
        sign = !sign;
        j -= 4;
    }
    let zz = z * z;
    let y = if j == 1 || j == 2 { cos_poly(zz) } else { sin_poly(z, zz) };
    if sign { -y } else { y }
}

/// `math.Cos`.
pub fn cos(x: f64) -> f64 {
    if x.is_nan() || x.is_infinite() {
        return f64::NAN;
    }
    let x = x.abs();
    if x >= REDUCE_THRESHOLD {
        return x.cos();
    }
    let mut sign = false;
    let (mut j, z) = reduce(x);
    j &= 7;
    if j > 3 {
        j -= 4;
        sign = !sign;
    }
    if j > 1 {
        sign = !sign;
    }
    let zz = z * z;
    let y = if j == 1 || j == 2 { sin_poly(z, zz) } else { cos_poly(zz) };
    if sign { -y } else { y }
}

/// `math.Tan`.
pub fn tan(x: f64) -> f64 {
    const P: [f64; 3] =
        [-1.309_369_391_813_837_776_46e4, 1.153_516_648_385_874_161_40e6, -1.795_652_519_764_848_779_88e7];
    const Q: [f64; 5] = [
        1.0,
        1.368_129_634_706_929_546_78e4,
        -1.320_892_344_402_109_674_47e6,
        2.500_838_018_233_579_158_39e7,
        -5.386_957_559_294_546_298_81e7,
    ];
    if x == 0.0 || x.is_nan() {
        return x;
    }
    if x.is_infinite() {
        return f64::NAN;
    }
    if x.abs() >= REDUCE_THRESHOLD {
        return x.tan();
    }
    let sign = x < 0.0;
    let (j, z) = reduce(x.abs());
    let zz = z * z;
    let mut y = if zz > 1e-14 {
        z + z * (zz * ((P[0] * zz + P[1]) * zz + P[2]) / ((((zz + Q[1]) * zz + Q[2]) * zz + Q[3]) * zz + Q[4]))
    } else {
        z
    };
    if j & 2 == 2 {
        y = -1.0 / y;
    }
    if sign { -y } else { y }
}

/// Cephes `xatan`: valid on [0, 0.66].
fn xatan(x: f64) -> f64 {
    const P0: f64 = -8.750_608_600_031_904_122_785e-1;
    const P1: f64 = -1.615_753_718_733_365_076_637e1;
    const P2: f64 = -7.500_855_792_314_704_667_340e1;
    const P3: f64 = -1.228_866_684_490_136_173_410e2;
    const P4: f64 = -6.485_021_904_942_025_371_773e1;
    const Q0: f64 = 2.485_846_490_142_306_297_962e1;
    const Q1: f64 = 1.650_270_098_316_988_542_046e2;
    const Q2: f64 = 4.328_810_604_912_902_668_951e2;
    const Q3: f64 = 4.853_903_996_359_136_964_868e2;
    const Q4: f64 = 1.945_506_571_482_613_964_425e2;
    let mut z = x * x;
    z = z * ((((P0 * z + P1) * z + P2) * z + P3) * z + P4) / (((((z + Q0) * z + Q1) * z + Q2) * z + Q3) * z + Q4);
    x * z + x
}

/// Cephes `satan`: `x >= 0` reduced to [0, 0.66].
fn satan(x: f64) -> f64 {
    const MOREBITS: f64 = 6.123_233_995_736_765_886_130e-17;
    const TAN3PIO8: f64 = 2.414_213_562_373_095_048_80;
    use std::f64::consts::{FRAC_PI_2, FRAC_PI_4};
    if x <= 0.66 {
        return xatan(x);
    }
    if x > TAN3PIO8 {
        return FRAC_PI_2 - xatan(1.0 / x) + MOREBITS;
    }
    FRAC_PI_4 + xatan((x - 1.0) / (x + 1.0)) + 0.5 * MOREBITS
}

/// `math.Atan`.
pub fn atan(x: f64) -> f64 {
    if x == 0.0 {
        return x;
    }
    if x > 0.0 { satan(x) } else { -satan(-x) }
}

/// `math.Asin`.
pub fn asin(x: f64) -> f64 {
    if x == 0.0 {
        return x;
    }
    let sign = x < 0.0;
    let x = x.abs();
    if x > 1.0 {
        return f64::NAN;
    }
    let mut temp = (1.0 - x * x).sqrt();
    temp = if x > 0.7 { std::f64::consts::FRAC_PI_2 - satan(temp / x) } else { satan(x / temp) };
    if sign { -temp } else { temp }
}

/// `math.Acos`.
pub fn acos(x: f64) -> f64 {
    std::f64::consts::FRAC_PI_2 - asin(x)
}

/// `math.Atan2`.
pub fn atan2(y: f64, x: f64) -> f64 {
    use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};
    if y.is_nan() || x.is_nan() {
        return f64::NAN;
    }
    if y == 0.0 {
        if x >= 0.0 && !x.is_sign_negative() {
            return 0.0_f64.copysign(y);
        }
        return PI.copysign(y);
    }
    if x == 0.0 {
        return FRAC_PI_2.copysign(y);
    }
    if x.is_infinite() {
        if x > 0.0 {
            return if y.is_infinite() { FRAC_PI_4.copysign(y) } else { 0.0_f64.copysign(y) };
        }
        return if y.is_infinite() { (3.0 * FRAC_PI_4).copysign(y) } else { PI.copysign(y) };
    }
    if y.is_infinite() {
        return FRAC_PI_2.copysign(y);
    }
    let q = atan(y / x);
    if x < 0.0 {
        if q <= 0.0 {
            return q + PI;
        }
        return q - PI;
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_results() {
        // Confirmed with promtool 3.5.3 (`log10(vector(1000))` is 3, `ln(vector(10))` 2.302585092994046).
        assert_eq!(log10(1000.0), 3.0);
        assert_eq!(ln(10.0), std::f64::consts::LN_10);
        assert_eq!(log2(8.0), 3.0);
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(-745.0), 0.0);
        for i in -300..300 {
            let x = i as f64 * 0.07;
            for (a, b) in [
                (sinh(x), x.sinh()),
                (cosh(x), x.cosh()),
                (tanh(x), x.tanh()),
                (asinh(x), x.asinh()),
                (log1p(x.abs()), x.abs().ln_1p()),
                (acosh(1.0 + x.abs()), (1.0 + x.abs()).acosh()),
                (atanh(x / 44.0), (x / 44.0).atanh()),
            ] {
                assert!((a - b).abs() <= 4.0 * f64::EPSILON * b.abs().max(1e-300), "hyperbolic({x}): {a} vs {b}");
            }
        }
        for i in -700..700 {
            let x = i as f64 * 0.37;
            let (a, b) = (exp(x), x.exp());
            if b > 1e-300 {
                assert!((a - b).abs() <= 4.0 * f64::EPSILON * b, "exp({x}): {a} vs {b}");
            }
        }
        assert_eq!(pow(2.0, 10.0), 1024.0);
        assert!(pow(-8.0, 1.0 / 3.0).is_nan());
        assert_eq!(pow(0.0, -1.0), f64::INFINITY);
        assert_eq!(pow(-0.0, -1.0), f64::NEG_INFINITY);
        assert_eq!(pow(4.0, 0.5), 2.0);
        assert_eq!(fmod(-5.0, 3.0), -2.0);
        assert!(fmod(1.0, 0.0).is_nan());
        assert_eq!(frexp(8.0), (0.5, 4));
        assert_eq!(ldexp(0.5, 4), 8.0);
        assert_eq!(ldexp(1.0, -1074), 5e-324);
    }

    #[test]
    fn trig_close_to_libm_and_exact_at_known_points() {
        for i in -2000..2000 {
            let x = i as f64 * 0.013;
            for (a, b) in [(sin(x), x.sin()), (cos(x), x.cos()), (atan(x), x.atan()), (atan2(x, 0.7), x.atan2(0.7))] {
                assert!((a - b).abs() <= 4.0 * f64::EPSILON * b.abs().max(1.0), "x={x}: {a} vs {b}");
            }
            if x.abs() < 1.4 {
                assert!((tan(x) - x.tan()).abs() <= 8.0 * f64::EPSILON * x.tan().abs().max(1.0), "tan {x}");
            }
            if x.abs() <= 1.0 {
                assert!((asin(x) - x.asin()).abs() <= 4.0 * f64::EPSILON, "asin {x}");
                assert!((acos(x) - x.acos()).abs() <= 4.0 * f64::EPSILON, "acos {x}");
            }
        }
        assert_eq!(sin(0.0), 0.0);
        assert_eq!(cos(0.0), 1.0);
        assert_eq!(atan(1.0), std::f64::consts::FRAC_PI_4);
        assert_eq!(asin(1.0), std::f64::consts::FRAC_PI_2);
        assert_eq!(atan2(-0.0, -1.0), -std::f64::consts::PI);
        assert!(sin(f64::INFINITY).is_nan());
    }
}
