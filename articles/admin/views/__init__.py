"""The desk's own admin screens, one small class-based view each (``base.DeskView``)."""
