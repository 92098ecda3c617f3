//! `imcache tune` against real servers (tests land with the command).
