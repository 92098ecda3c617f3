//! `imcache setup` against real servers (tests land with the command).
