# The example from the Keras introduction this project grew from (shared/seed/keras-intro.txt),
# unchanged except for its import line -- and one addition, marked below: where MNIST cannot be
# downloaded (a machine that reaches only package registries), it says so and trains on
# Fashion-MNIST from Debian's dataset-fashion-mnist package instead.

import lamina as tf

# 导入数据
mnist = tf.keras.datasets.mnist
# 临时数据目录'~/.keras/datasets/'

# --- addition: say which dataset is used; never fall back silently ----------------------
try:
    (x_train,y_train),(x_test,y_test) = mnist.load_data()
    print("Dataset: MNIST")
except tf.errors.DownloadError as error:
    print(f"MNIST could not be downloaded:\n{error}\n")
    print("Dataset: Fashion-MNIST (Debian's dataset-fashion-mnist), the same 28x28 digits-sized task")
    (x_train,y_train),(x_test,y_test) = tf.keras.datasets.fashion_mnist.load_data()
# --- end of addition ---------------------------------------------------------------------
x_train,x_test = x_train/255.0,x_test/255.0

# 选取模型
model = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(input_shape=(28,28)),
    tf.keras.layers.Dense(128,activation='relu'),
    tf.keras.layers.Dropout(0.2),
    tf.keras.layers.Dense(10,activation='softmax')
])

model.compile(optimizer='adam',
              loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])

model.fit(x_train,y_train,epochs=5)

model.evaluate(x_test,y_test)
