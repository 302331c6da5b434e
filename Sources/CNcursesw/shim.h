#ifndef QSCOPE_CNCURSESW_SHIM_H
#define QSCOPE_CNCURSESW_SHIM_H
/* SwiftPM drops pkg-config's -D_XOPEN_SOURCE=600, which is what turns on the wide-char API
   (cchar_t, setcchar, mvadd_wch, get_wch); without this define those silently disappear. */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <locale.h>
#include <langinfo.h>
#include <stdio.h>
#include <wchar.h>
#include <ncursesw/curses.h>

/* Attribute and colour macros are not imported into Swift: wrap them. */
static inline attr_t shim_a_normal(void)    { return A_NORMAL; }
static inline attr_t shim_a_bold(void)      { return A_BOLD; }
static inline attr_t shim_a_reverse(void)   { return A_REVERSE; }
static inline attr_t shim_a_dim(void)       { return A_DIM; }
static inline attr_t shim_a_underline(void) { return A_UNDERLINE; }
static inline int    shim_color_pair(int n) { return (int)COLOR_PAIR(n); }

/* C globals are rejected by Swift 6 strict concurrency; accessor functions are not. */
static inline WINDOW *shim_stdscr(void) { return stdscr; }
static inline int     shim_cols(void)   { return COLS; }
static inline int     shim_lines(void)  { return LINES; }
static inline int     shim_colors(void) { return COLORS; }
static inline int     shim_pairs(void)  { return COLOR_PAIRS; }
static inline FILE   *shim_stdout(void) { return stdout; }
static inline FILE   *shim_stdin(void)  { return stdin; }

/* Key codes, spelled as functions so their values never depend on Swift's macro import. */
static inline int shim_key_resize(void)    { return KEY_RESIZE; }
static inline int shim_key_code_yes(void)  { return KEY_CODE_YES; }
static inline int shim_key_mouse(void)     { return KEY_MOUSE; }

/* Mouse button masks are function-like macros: wrapped so a test can check the values the
   Swift side spells out (CursesCodes) against this header. */
static inline unsigned long shim_button1_released(void) { return BUTTON1_RELEASED; }
static inline unsigned long shim_button1_pressed(void)  { return BUTTON1_PRESSED; }
static inline unsigned long shim_button1_clicked(void)  { return BUTTON1_CLICKED; }
static inline unsigned long shim_button4_pressed(void)  { return BUTTON4_PRESSED; }
static inline unsigned long shim_button5_pressed(void)  { return BUTTON5_PRESSED; }
#include <ncursesw/term.h>
/* True when terminfo knows the terminal type `name` (NULL: $TERM). Unlike initscr it never
   exits, and unlike newterm it needs no screen, so the CLI can check before starting work. */
static inline int shim_terminal_known(const char *name) {
    int status = 0;
    TERMINAL *previous = cur_term;
    if (setupterm(name, 1, &status) != OK) return 0;
    TERMINAL *probe = set_curterm(previous);
    if (probe != previous) del_curterm(probe);
    return 1;
}

#endif
