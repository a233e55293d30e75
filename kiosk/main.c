/* PLACEHOLDER: replaced by the kiosk work. */
int main(void) { return 1; }
