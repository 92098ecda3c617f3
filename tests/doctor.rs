//! `imcache doctor` against real servers (tests land with the command).
