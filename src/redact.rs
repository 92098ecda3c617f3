//! Every URL imcache shows (REDIS_URL in `env`, the app's health and metrics URLs in any
//! output or error) goes through here first: the password of `user:password@` and the value of
//! any query or fragment parameter whose name looks like a secret (`password`, `pass`, `token`,
//! `key`, `secret`, `auth`, in any case and inside longer names such as `api_key`) become
//! `****`. Text-based rather than a URL parser, so a URL too broken to parse is masked as well.

const MASK: &str = "****";

/// Parts of a parameter name that make its value a secret.
const SECRET_NAMES: [&str; 6] = ["password", "pass", "token", "key", "secret", "auth"];

/// `url` with its secrets masked; anything that is not a URL comes back as it was.
pub fn url(url: &str) -> String {
    let (head, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_len);
    let authority = match (head.is_empty(), authority.rfind('@')) {
        (false, Some(at)) => {
            let (userinfo, host) = authority.split_at(at);
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{user}:{MASK}{host}"),
                None => authority.to_string(),
            }
        }
        _ => authority.to_string(),
    };
    let (path, after_path) = match tail.find(['?', '#']) {
        Some(i) => tail.split_at(i),
        None => (tail, ""),
    };
    let (query, fragment) = match after_path.find('#') {
        Some(i) => after_path.split_at(i),
        None => (after_path, ""),
    };
    format!(
        "{head}{authority}{path}{}{}",
        mask_parameters(query),
        mask_parameters(fragment)
    )
}

/// `?a=1&token=x` -> `?a=1&token=****`; the leading `?` or `#` is kept.
fn mask_parameters(part: &str) -> String {
    let Some(lead) = part.chars().next() else {
        return String::new();
    };
    let masked: Vec<String> = part[1..]
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if !value.is_empty() && is_secret_name(name) => {
                format!("{name}={MASK}")
            }
            _ => pair.to_string(),
        })
        .collect();
    format!("{lead}{}", masked.join("&"))
}

fn is_secret_name(name: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(name)
        .decode_utf8_lossy()
        .to_ascii_lowercase();
    SECRET_NAMES.iter().any(|s| decoded.contains(s))
}

/// The secrets `url` carries (its password, the values of secret-looking parameters), raw and
/// percent-decoded, for scrubbing them out of a message that may quote the URL.
fn secrets_of(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Ok(parsed) = url::Url::parse(url) {
        if let Some(password) = parsed.password() {
            found.push(password.to_string());
        }
        let fragment_pairs = parsed
            .fragment()
            .map(|f| {
                url::form_urlencoded::parse(f.as_bytes())
                    .into_owned()
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        for (name, value) in parsed.query_pairs().into_owned().chain(fragment_pairs) {
            if is_secret_name(&name) && !value.is_empty() {
                found.push(value);
            }
        }
    }
    let mut forms: Vec<String> = found
        .iter()
        .flat_map(|s| {
            let decoded = percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned();
            let encoded =
                percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
                    .to_string();
            [decoded, encoded]
        })
        .collect();
    found.append(&mut forms);
    found.retain(|s| !s.is_empty());
    found.sort_by_key(|s| std::cmp::Reverse(s.len()));
    found
}

/// `message` (an HTTP client's error, say) with `url` and its secrets masked wherever they occur.
pub fn scrub(message: &str, url: &str) -> String {
    let mut text = message.replace(url, &self::url(url));
    for secret in secrets_of(url) {
        text = text.replace(&secret, MASK);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_secret_parameters_are_masked() {
        assert_eq!(
            url("redis://app:s3cret@cache:6379/0?password=s3cret&db=1"),
            "redis://app:****@cache:6379/0?password=****&db=1"
        );
        assert_eq!(
            url("http://localhost:8000/health?token=abc&x=1#access_token=t"),
            "http://localhost:8000/health?token=****&x=1#access_token=****"
        );
        assert_eq!(
            url("https://h/p?API_KEY=k&Auth=a&secretValue=s&pass=p&keep=1"),
            "https://h/p?API_KEY=****&Auth=****&secretValue=****&pass=****&keep=1"
        );
        assert_eq!(url("http://u@h/?token="), "http://u@h/?token=");
        assert_eq!(url("not a url"), "not a url");
    }

    #[test]
    fn a_broken_url_is_masked_too() {
        assert_eq!(
            url("http://u:pw@[::1/x?token=t"),
            "http://u:****@[::1/x?token=****"
        );
        assert_eq!(url("redis://:pw@"), "redis://:****@");
    }

    #[test]
    fn messages_lose_the_url_and_its_secrets() {
        let raw = "http://u:pw%21@127.0.0.1:9/h?token=tok%20en";
        let message = format!("GET {raw} failed; token tok en; pw!");
        let scrubbed = scrub(&message, raw);
        assert!(
            !scrubbed.contains("tok en") && !scrubbed.contains("tok%20en"),
            "{scrubbed}"
        );
        assert!(!scrubbed.contains("pw"), "{scrubbed}");
    }
}
