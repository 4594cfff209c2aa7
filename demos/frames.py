"""The frames of a backward pass and their page: moved to `autograd.draw.frames` (the command line
``python -m autograd.draw ... --frames DIR`` writes them too); kept here for old imports."""

from autograd.draw.frames import FRAME_NAME, Frame, FrameWriter, check_directory, write_page

__all__ = ["FRAME_NAME", "Frame", "FrameWriter", "check_directory", "write_page"]
