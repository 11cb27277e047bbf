"""Video datasets and toy-data generators."""
from .toy_video import TOY_VIDEO_TASKS, generate_toy_video, toy_video_classes

__all__ = ['TOY_VIDEO_TASKS', 'generate_toy_video', 'toy_video_classes']
