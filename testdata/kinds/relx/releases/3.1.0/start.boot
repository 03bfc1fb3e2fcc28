stub boot
