//! What `setup docker --name` and `--image` may be. Both become arguments of `docker run`, and
//! docker reads an argument that starts with `-` as one of its own options: `--image
//! --network=host` would undo the 127.0.0.1-only publishing. So a name must follow docker's own
//! rule for container names and an image must look like an image reference, checked when the
//! command line is parsed (exit 2, before anything runs); the argv also ends docker's options
//! with `--` before them.

/// Docker's rule for container names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
pub fn container_name(text: &str) -> Result<String, String> {
    let mut chars = text.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if first_ok && rest_ok && text.len() >= 2 && text.len() <= 128 {
        Ok(text.to_string())
    } else {
        Err(String::from(
            "a container name is 2 to 128 of a-z A-Z 0-9 _ . - and starts with a letter or digit \
             (docker's rule), e.g. interviewmaster-redis",
        ))
    }
}

/// `[registry[:port]/]path[:tag][@digest]`, as docker's reference grammar has it.
pub fn image_reference(text: &str) -> Result<String, String> {
    if is_image_reference(text) {
        Ok(text.to_string())
    } else {
        Err(String::from(
            "an image is [registry[:port]/]name[:tag][@digest] with a lower-case name and no \
             spaces or leading '-', e.g. redis:7 or redis:7.2-alpine",
        ))
    }
}

fn is_image_reference(text: &str) -> bool {
    if text.is_empty() || text.len() > 255 {
        return false;
    }
    let (rest, digest) = match text.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (text, None),
    };
    if digest.is_some_and(|d| !is_digest(d)) {
        return false;
    }
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (path, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if tag.is_some_and(|t| !is_tag(t)) {
        return false;
    }
    let mut components: Vec<&str> = path.split('/').collect();
    if components.len() > 1 && looks_like_domain(components[0]) && !is_domain(components.remove(0))
    {
        return false;
    }
    components.iter().all(|c| is_path_component(c))
}

fn looks_like_domain(first: &str) -> bool {
    first.contains(['.', ':'])
        || first == "localhost"
        || first.chars().any(|c| c.is_ascii_uppercase())
}

/// `host[:port]`, the host made of dot-separated labels of letters, digits and inner dashes.
fn is_domain(text: &str) -> bool {
    let (host, port) = match text.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (text, None),
    };
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    host.split('.').all(label_ok)
        && port.is_none_or(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// `[a-z0-9]+` runs joined by `.`, `_`, `__` or any number of `-`.
fn is_path_component(text: &str) -> bool {
    let bytes = text.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(&bytes[0]) || !alnum(&bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(&bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(&bytes[i]) {
            i += 1;
        }
        let separator = &text[start..i];
        let dashes = separator.bytes().all(|b| b == b'-');
        if !(separator == "." || separator == "_" || separator == "__" || dashes) {
            return false;
        }
    }
    true
}

/// `[\w][\w.-]{0,127}`.
fn is_tag(text: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = text.chars();
    chars.next().is_some_and(word)
        && chars.all(|c| word(c) || c == '.' || c == '-')
        && text.len() <= 128
}

/// `algorithm:hex`, the hex at least 32 digits.
fn is_digest(text: &str) -> bool {
    let Some((algorithm, hex)) = text.split_once(':') else {
        return false;
    };
    algorithm.starts_with(|c: char| c.is_ascii_alphabetic())
        && algorithm
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_+.".contains(c))
        && hex.len() >= 32
        && hex.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_dockers_rule() {
        for good in ["interviewmaster-redis", "r7", "a.b_c-d", "A1"] {
            assert!(container_name(good).is_ok(), "{good}");
        }
        for bad in [
            "--privileged",
            "-x",
            "",
            "a",
            "..",
            "a b",
            "a\nb",
            "a/b",
            "_x",
            "ünï",
        ] {
            assert!(container_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn images_look_like_references() {
        for good in [
            "redis:7",
            "redis",
            "redis:7.2-alpine",
            "library/redis:latest",
            "docker.io/library/redis:7",
            "localhost:5000/team/redis:dev_1",
            "registry.example.com/a__b/c-d--e.f:v1",
            "redis@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "Registry.Example:443/redis:7",
        ] {
            assert!(image_reference(good).is_ok(), "{good}");
        }
        for bad in [
            "--network=host",
            "--privileged",
            "-v=/:/host",
            "",
            "redis 7",
            "redis:7\n",
            "Redis:7",
            "redis:",
            "redis:-x",
            ":7",
            "redis@sha256:abc",
            "a//b",
            "-redis",
            "redis/",
            "redis:7 --privileged",
        ] {
            assert!(image_reference(bad).is_err(), "{bad:?}");
        }
    }
}
