// express-session ships no types; the carry-over test drives it untyped.
declare module 'express-session';
