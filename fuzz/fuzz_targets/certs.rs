//! A certificate file (`--certs`) or a Secret's PEM value: PEM blocks split, `CERTIFICATE`
//! blocks decoded as X.509 (keys never), and the same bytes read as DER.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = changegate::input::x509::from_der("cert.der", "cert.der", data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = changegate::input::x509::from_pem("cert.pem", "cert.pem", 1, text);
    }
});
