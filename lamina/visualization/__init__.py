"""``lamina.visualization``: draw boxes and masks on images, and plot image galleries, as
``keras.visualization``.

Drawing boxes needs OpenCV and the galleries need matplotlib, both in the
``visualization`` extra: ``pip install "lamina[visualization]"``. Neither is imported
until a function that needs it runs.
"""

from lamina.visualization.draw_bounding_boxes import draw_bounding_boxes
from lamina.visualization.draw_segmentation_masks import draw_segmentation_masks
from lamina.visualization.plot_bounding_box_gallery import plot_bounding_box_gallery
from lamina.visualization.plot_image_gallery import plot_image_gallery
from lamina.visualization.plot_segmentation_mask_gallery import plot_segmentation_mask_gallery

__all__ = [
    "draw_bounding_boxes",
    "draw_segmentation_masks",
    "plot_bounding_box_gallery",
    "plot_image_gallery",
    "plot_segmentation_mask_gallery",
]
