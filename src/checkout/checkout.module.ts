import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { UserModule } from '../user/user.module.js';
import { CheckoutDemo } from './checkout-demo.js';
import { CheckoutController } from './checkout.controller.js';

/** The example checkout page at /checkout, and on the development database a demo shopper to open it as. */
@Module({
  imports: [AuthModule, UserModule],
  controllers: [CheckoutController],
  providers: [CheckoutDemo],
})
export class CheckoutModule {}
