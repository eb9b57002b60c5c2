/** Where the server speaks to its administrator: standard output and standard error. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}
