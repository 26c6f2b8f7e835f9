//! CPU ceilings, measured on this machine in the same run: how many signatures of the
//! token algorithm and how many argon2id hashes all cores can do per second when they
//! do nothing else. The server cannot beat these; the bench reports how close it gets.
//! (The HTTP ceiling is `trivial.rs`.)

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cpu::{CpuShare, CpuSnapshot};
use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, RsaEncoding, RsaKeyPair,
};
use latchkey_core::password::{
    ARGON2_HASH_LENGTH, ARGON2_ITERATIONS, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM,
};
use latchkey_core::token::algorithm::Algorithm;

/// Operations per second over all threads, and how many operations were timed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ceiling {
    pub(crate) per_second: f64,
    pub(crate) operations: u64,
    pub(crate) threads: usize,
    pub(crate) seconds: f64,
    /// Who used the CPU meanwhile; `other` should be near zero.
    pub(crate) cpu: CpuShare,
}

/// Runs `op` on `threads` threads for `duration`, each thread counting its own
/// operations; the rate is the sum of the per-thread rates.
fn run_threads<S, F>(threads: usize, duration: Duration, setup: S) -> Ceiling
where
    S: Fn() -> F + Send + Sync + 'static,
    F: FnMut(),
{
    let setup = Arc::new(setup);
    let before = CpuSnapshot::now(None);
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let setup = Arc::clone(&setup);
            std::thread::spawn(move || {
                let mut op = setup();
                let start = Instant::now();
                let deadline = start + duration;
                let mut count = 0u64;
                while Instant::now() < deadline {
                    op();
                    count += 1;
                }
                (count, start.elapsed().as_secs_f64())
            })
        })
        .collect();
    let mut per_second = 0.0;
    let mut operations = 0;
    let mut seconds: f64 = 0.0;
    for handle in handles {
        let (count, elapsed) = handle.join().expect("ceiling thread panicked");
        per_second += count as f64 / elapsed;
        operations += count;
        seconds = seconds.max(elapsed);
    }
    let cpu = CpuSnapshot::now(None).since(&before);
    Ceiling { per_second, operations, threads, seconds, cpu }
}

/// What one signature of `algorithm` is made with, in words, for the report.
pub(crate) fn signature_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::RS256 => "RSA-2048 PKCS#1 v1.5 SHA-256 (RS256)",
        Algorithm::RS384 => "RSA-2048 PKCS#1 v1.5 SHA-384 (RS384)",
        Algorithm::RS512 => "RSA-2048 PKCS#1 v1.5 SHA-512 (RS512)",
        Algorithm::PS256 => "RSA-2048 PSS SHA-256 (PS256)",
        Algorithm::PS384 => "RSA-2048 PSS SHA-384 (PS384)",
        Algorithm::PS512 => "RSA-2048 PSS SHA-512 (PS512)",
        Algorithm::ES256 => "ECDSA P-256 SHA-256 (ES256)",
        Algorithm::ES384 => "ECDSA P-384 SHA-384 (ES384)",
        Algorithm::ES512 => "ECDSA P-521 SHA-512 (ES512)",
        Algorithm::EdDSA => "Ed25519 (EdDSA)",
        Algorithm::HS256 => "HMAC SHA-256 (HS256)",
        Algorithm::HS384 => "HMAC SHA-384 (HS384)",
        Algorithm::HS512 => "HMAC SHA-512 (HS512)",
    }
}

/// Signatures of `algorithm` per second, with the key type latchkey generates for it
/// (RSA-2048, the algorithm's curve, Ed25519), over a message the size of an access
/// token's signing input. Every token response costs one such signature (the access
/// token; refresh tokens are HMAC-signed, and no ID token is asked for).
pub(crate) fn signatures(algorithm: Algorithm, threads: usize, duration: Duration) -> Ceiling {
    // About the size of a JWT signing input for an access token.
    let message = Arc::new(vec![b'a'; 900]);
    let rsa = |padding: &'static dyn RsaEncoding| {
        let key =
            Arc::new(RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA-2048 key generation"));
        let message = Arc::clone(&message);
        run_threads(threads, duration, move || {
            let key = Arc::clone(&key);
            let message = Arc::clone(&message);
            let rng = SystemRandom::new();
            let mut signature = vec![0u8; key.public_modulus_len()];
            move || {
                key.sign(padding, &rng, &message, &mut signature).expect("RSA signature");
                std::hint::black_box(&signature);
            }
        })
    };
    let ecdsa = |curve: &'static EcdsaSigningAlgorithm| {
        let key = Arc::new(EcdsaKeyPair::generate(curve).expect("ECDSA key generation"));
        let message = Arc::clone(&message);
        run_threads(threads, duration, move || {
            let key = Arc::clone(&key);
            let message = Arc::clone(&message);
            let rng = SystemRandom::new();
            move || {
                std::hint::black_box(key.sign(&rng, &message).expect("ECDSA signature"));
            }
        })
    };
    let mac = |algorithm: hmac::Algorithm| {
        let key = Arc::new(hmac::Key::new(algorithm, &[7u8; 64]));
        let message = Arc::clone(&message);
        run_threads(threads, duration, move || {
            let key = Arc::clone(&key);
            let message = Arc::clone(&message);
            move || {
                std::hint::black_box(hmac::sign(&key, &message));
            }
        })
    };
    match algorithm {
        Algorithm::RS256 => rsa(&signature::RSA_PKCS1_SHA256),
        Algorithm::RS384 => rsa(&signature::RSA_PKCS1_SHA384),
        Algorithm::RS512 => rsa(&signature::RSA_PKCS1_SHA512),
        Algorithm::PS256 => rsa(&signature::RSA_PSS_SHA256),
        Algorithm::PS384 => rsa(&signature::RSA_PSS_SHA384),
        Algorithm::PS512 => rsa(&signature::RSA_PSS_SHA512),
        Algorithm::ES256 => ecdsa(&signature::ECDSA_P256_SHA256_FIXED_SIGNING),
        Algorithm::ES384 => ecdsa(&signature::ECDSA_P384_SHA384_FIXED_SIGNING),
        Algorithm::ES512 => ecdsa(&signature::ECDSA_P521_SHA512_FIXED_SIGNING),
        Algorithm::EdDSA => {
            let key = Arc::new(Ed25519KeyPair::generate().expect("Ed25519 key generation"));
            let message = Arc::clone(&message);
            run_threads(threads, duration, move || {
                let key = Arc::clone(&key);
                let message = Arc::clone(&message);
                move || {
                    std::hint::black_box(key.sign(&message));
                }
            })
        }
        Algorithm::HS256 => mac(hmac::HMAC_SHA256),
        Algorithm::HS384 => mac(hmac::HMAC_SHA384),
        Algorithm::HS512 => mac(hmac::HMAC_SHA512),
    }
}

/// argon2id hashes per second at Keycloak's defaults (v1.3, 7168 KiB, 5 passes,
/// 1 lane, 32 bytes): what every password login costs.
pub(crate) fn argon2_hashes(threads: usize, duration: Duration) -> Ceiling {
    run_threads(threads, duration, || {
        let params = argon2::Params::new(
            ARGON2_MEMORY_KIB,
            ARGON2_ITERATIONS,
            ARGON2_PARALLELISM,
            Some(ARGON2_HASH_LENGTH),
        )
        .expect("argon2 parameters");
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut out = [0u8; ARGON2_HASH_LENGTH];
        let mut salt = [0x11u8; 16];
        // Working memory allocated once per thread: the best case, as the server does.
        let mut memory = vec![argon2::Block::default(); argon.params().block_count()];
        move || {
            salt[0] = salt[0].wrapping_add(1);
            argon
                .hash_password_into_with_memory(b"bench-password", &salt, &mut out, &mut memory)
                .expect("argon2 hash");
            std::hint::black_box(&out);
        }
    })
}
